// The one module that writes to the terminal for humans (logs go through pino instead).
import { Chalk } from 'chalk';
import { redact } from '../log/redact.js';

export interface Output {
  info(text: string): void;
  ok(text: string): void;
  warn(text: string): void;
  fail(text: string): void;
  /** A line with no decoration (data a script may read). */
  plain(text: string): void;
  error(text: string): void;
}

export function createOutput(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Output {
  const colour = !env.NO_COLOR && Boolean((stdout as NodeJS.WriteStream).isTTY || env.FORCE_COLOR);
  const c = new Chalk({ level: colour ? 1 : 0 });
  const out = (s: string) => stdout.write(redact(s) + '\n');
  return {
    info: (t) => out(c.cyan('›') + ' ' + t),
    ok: (t) => out(c.green('✔') + ' ' + t),
    warn: (t) => out(c.yellow('!') + ' ' + t),
    fail: (t) => out(c.red('✖') + ' ' + t),
    plain: (t) => out(t),
    error: (t) => stderr.write(redact(c.red(t)) + '\n'),
  };
}
