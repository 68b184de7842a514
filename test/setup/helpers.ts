// Shared pieces for the setup tests: a scripted Prompts that fails on any unexpected question,
// a Context whose output is captured, fakes pre-filled with an org/project/token, and runners
// that go through `main` (argv parsing included) or call `setupCommand` directly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runProgram } from '../../src/context/exec.js';
import type { Context, Prompts } from '../../src/context/context.js';
import { COMMANDS, main } from '../../src/cli/main.js';
import { createOutput } from '../../src/context/output.js';
import { loadSettings, type Loaded } from '../../src/config/load.js';
import { OPTIONS, type OptionKey } from '../../src/config/options.js';
import { setupCommand } from '../../src/commands/setup/index.js';
import type { TunnelOpener } from '../../src/tunnel/ngrok.js';
import { startFakeSentry, type FakeSentry } from '../fakes/sentry.js';
import { FAKE_TOKEN, startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

/** Obviously fake Sentry tokens (the fake only knows what a test adds). */
export const SENTRY_TOKEN = 'sntryu_FAKE_setup_test_token_not_a_real_one_0000';
export const WEAK_SENTRY_TOKEN = 'sntryu_FAKE_setup_test_token_with_few_scopes_00';
export const FULL_SCOPES = ['org:read', 'org:write', 'project:read', 'project:write', 'alerts:write', 'event:read', 'event:write'];
export const TG_TOKEN = FAKE_TOKEN;
export const PRIVATE_CHAT = 5550001;

type Kind = 'input' | 'password' | 'select' | 'confirm';
interface Choice {
  name: string;
  value: unknown;
}
export interface Step {
  kind: Kind;
  /** Matched against the question's message. */
  match: RegExp;
  /** The answer; for select, a function may pick from the choices. */
  answer: unknown | ((choices: Choice[]) => unknown);
}

export interface Scripted extends Prompts {
  asked: string[];
  /** Steps not asked yet. */
  remaining(): Step[];
}

/** Prompts answered from a script, in order; any other question fails the test. */
export function scriptedPrompts(steps: Step[]): Scripted {
  const queue = [...steps];
  const asked: string[] = [];
  const next = (kind: Kind, message: string): Step => {
    asked.push(`${kind}: ${message}`);
    const step = queue.shift();
    if (!step) throw new Error(`unexpected question (${kind}): "${message}"`);
    if (step.kind !== kind || !step.match.test(message)) {
      throw new Error(`unexpected question (${kind}): "${message}", expected ${step.kind} ${step.match}`);
    }
    return step;
  };
  const text = (kind: 'input' | 'password') => async (o: { message: string; default?: string; validate?: (v: string) => true | string }) => {
    const step = next(kind, o.message);
    const value = String(step.answer === '' && o.default !== undefined ? o.default : step.answer);
    const verdict = o.validate?.(value) ?? true;
    if (verdict !== true) throw new Error(`scripted answer to "${o.message}" fails validation: ${verdict}`);
    return value;
  };
  return {
    asked,
    remaining: () => [...queue],
    input: text('input'),
    password: text('password'),
    async select<T>(o: { message: string; choices: { name: string; value: T }[] }): Promise<T> {
      const step = next('select', o.message);
      if (typeof step.answer === 'function') {
        const picked = (step.answer as (c: Choice[]) => unknown)(o.choices);
        if (picked === undefined) throw new Error(`scripted select found nothing in ${o.choices.map((c) => c.name).join(' | ')}`);
        return picked as T;
      }
      if (!o.choices.some((c) => c.value === step.answer)) {
        throw new Error(`scripted answer ${String(step.answer)} is not a choice of "${o.message}"`);
      }
      return step.answer as T;
    },
    async confirm(o: { message: string }) {
      return Boolean(next('confirm', o.message).answer);
    },
  };
}

/** Picks the first choice whose name matches. */
export const choose = (re: RegExp) => (choices: Choice[]) => choices.find((c) => re.test(c.name))?.value;

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface TestContext {
  ctx: Context;
  stdout: Capture;
  stderr: Capture;
  output(): string;
}

export function testContext(opts: {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  argv?: string[];
  interactive?: boolean;
  prompts?: Prompts;
  openTunnel?: TunnelOpener;
  untilSignal?: () => Promise<string>;
}): TestContext {
  const stdout = new Capture();
  const stderr = new Capture();
  const env = { NO_COLOR: '1', ...opts.env };
  const ctx: Context = {
    argv: opts.argv ?? [],
    env,
    cwd: opts.cwd,
    stdout,
    stderr,
    interactive: opts.interactive ?? true,
    out: createOutput(stdout, stderr, env),
    prompts: opts.prompts ?? scriptedPrompts([]),
    fetch: globalThis.fetch,
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    exec: runProgram,
    openTunnel:
      opts.openTunnel ??
      (async () => {
        throw new Error('no tunnel in this test');
      }),
    untilSignal: opts.untilSignal ?? (async () => 'SIGINT'),
  };
  return { ctx, stdout, stderr, output: () => stdout.text + stderr.text };
}

/** Test-only knobs that have no CLI flag. */
export interface Knobs {
  chatWaitMs?: number;
  proofTimeoutMs?: number;
}

/** Runs `sentry-tg <args>` through main (argv parsing, error reporting, exit code). */
export async function runMain(t: TestContext, args: string[], knobs: Knobs = {}): Promise<number> {
  const argv = ['node', 'sentry-tg', ...args];
  t.ctx.argv = argv;
  return main(argv, t.ctx, {
    ...COMMANDS,
    setup: (ctx, loaded, flags) => setupCommand(ctx, loaded, { proofTimeoutMs: 15_000, ...flags, ...knobs }),
  });
}

/** Calls setupCommand directly (for `rejects` tests): settings as the program would load them. */
export function runDirect(
  t: TestContext,
  opts: { envFile: string; flags?: Record<string, unknown>; settingFlags?: Partial<Record<OptionKey, string>>; knobs?: Knobs },
): Promise<number> {
  t.ctx.argv = ['node', 'sentry-tg', 'setup', '--env-file', opts.envFile];
  const loaded: Loaded = loadSettings({
    envFile: { path: opts.envFile, explicit: false },
    env: t.ctx.env,
    flags: opts.settingFlags ?? {},
  });
  return setupCommand(t.ctx, loaded, { proofTimeoutMs: 15_000, ...opts.flags, ...opts.knobs });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface World {
  dir: string;
  envFile: string;
  dataDir: string;
  port: number;
  publicUrl: string;
  tg: FakeTelegram;
  sentry: FakeSentry;
  /** Env for a complete non-interactive run (mode and public URL come as flags). */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Temp dir with an env file holding a foreign key, and both fakes ready for setup. */
export async function makeWorld(opts: { pageSize?: number } = {}): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'sentry-tg-setup-'));
  const envFile = join(dir, '.env');
  await writeFile(envFile, '# my own settings\nFOREIGN_KEY=keep-me\n', { mode: 0o644 });
  const tg = await startFakeTelegram({ chats: [{ id: PRIVATE_CHAT, type: 'private', firstName: 'Ada', username: 'ada' }] });
  const sentry = await startFakeSentry({ pageSize: opts.pageSize ?? 2 });
  sentry.addToken(SENTRY_TOKEN, FULL_SCOPES);
  sentry.addToken(WEAK_SENTRY_TOKEN, ['org:read', 'project:read']);
  sentry.addOrg('acme', 'Acme');
  sentry.addOrg('beta', 'Beta Corp');
  sentry.addOrg('gamma', 'Gamma');
  sentry.addProject('acme', 'backend', 'Backend');
  sentry.addProject('acme', 'frontend', 'Frontend', { platform: 'javascript' });
  sentry.addProject('acme', 'worker', 'Worker');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    [OPTIONS.telegramToken.env]: TG_TOKEN,
    [OPTIONS.chatId.env]: String(PRIVATE_CHAT),
    [OPTIONS.sentryAuthToken.env]: SENTRY_TOKEN,
    [OPTIONS.sentryOrg.env]: 'acme',
    [OPTIONS.sentryProject.env]: 'backend',
    [OPTIONS.sentryUrl.env]: sentry.url,
    [OPTIONS.telegramApiRoot.env]: tg.url,
  };
  return {
    dir,
    envFile,
    dataDir: join(dir, 'data'),
    port,
    publicUrl: `http://127.0.0.1:${port}`,
    tg,
    sentry,
    env,
    async close() {
      await tg.close();
      await sentry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Flags every run in a world needs: its env file, data dir and port. */
export function worldArgs(w: World): string[] {
  return ['--env-file', w.envFile, 'setup', '--data-dir', w.dataDir, '--port', String(w.port)];
}

/** Non-GET requests the fake Sentry received (writes). */
export function sentryWrites(w: World): string[] {
  return w.sentry.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
}
