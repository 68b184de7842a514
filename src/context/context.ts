// Everything a command touches from the outside world enters here, so each step's signature
// says what it uses and a test can hand in fakes (create-astro's context pattern).
import type { Exec } from './exec.js';
import type { Output } from './output.js';
import type { TunnelOpener } from '../tunnel/ngrok.js';

export interface Prompts {
  input(opts: { message: string; default?: string; validate?: (v: string) => true | string }): Promise<string>;
  password(opts: { message: string; validate?: (v: string) => true | string }): Promise<string>;
  select<T>(opts: { message: string; choices: { name: string; value: T; description?: string }[]; default?: T }): Promise<T>;
  confirm(opts: { message: string; default?: boolean }): Promise<boolean>;
}

export interface Context {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The terminal's input, when there is one: muted while setup waits (nothing typed echoes). */
  stdin?: NodeJS.ReadStream;
  /** Whether a person can answer prompts. */
  interactive: boolean;
  out: Output;
  prompts: Prompts;
  fetch: typeof fetch;
  /** Wall clock, ms since the epoch. */
  now: () => number;
  /** Waits `ms`; the one way a command pauses, so a test can run it on a fake clock. */
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for jitter. */
  random: () => number;
  /** Runs a program (read-only git calls). */
  exec: Exec;
  openTunnel: TunnelOpener;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM). */
  untilSignal: () => Promise<string>;
}
