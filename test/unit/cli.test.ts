// The CLI's exit: typed flags reach each command, --version answers without commander, and every
// error becomes "problem + fix" through the one explainer (src/commands/hints.ts).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context/context.js';
import { explainError } from '../../src/commands/hints.js';
import { main } from '../../src/cli/main.js';
import { createOutput } from '../../src/context/output.js';
import type { Commands } from '../../src/cli/program.js';
import { TelegramApiError, TelegramNetworkError } from '../../src/telegram/errors.js';
import { ConfigError, UserError } from '../../src/errors.js';
import { runProgram } from '../../src/context/exec.js';
import { PortInUseError } from '../../src/receive/errors.js';
import { VERSION } from '../../src/version.js';

const TOKEN = '123456789:FAKE-test-token-not-a-real-bot-secret';

function capture(): { ctx: Context; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) => new Writable({ write: (c, _e, d) => (add(String(c)), d()) });
  const stdout = sink((s) => (out += s));
  const stderr = sink((s) => (err += s));
  const env = { NO_COLOR: '1', SENTRY_ALERT_TELEGRAM_TOKEN: TOKEN, SENTRY_ALERT_CHAT_ID: '-1001' };
  const ctx = {
    argv: [], env, cwd: process.cwd(), stdout, stderr, interactive: false,
    out: createOutput(stdout, stderr, env),
    prompts: {} as Context['prompts'], fetch, now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), random: Math.random, exec: runProgram,
    openTunnel: async () => { throw new Error('no tunnel in tests'); },
    untilSignal: () => new Promise<string>(() => undefined),
  } satisfies Context;
  return { ctx, stdout: () => out, stderr: () => err };
}

/** Commands that record the flags they get (and can throw). */
function recording(fail?: unknown): { commands: Commands; seen: Record<string, unknown>; loaded: Record<string, unknown> } {
  const seen: Record<string, unknown> = {};
  const loaded: Record<string, unknown> = {};
  const take = (name: string) => async (_ctx: Context, settings: unknown, flags: unknown) => {
    seen[name] = flags;
    loaded[name] = settings;
    if (fail !== undefined) throw fail;
    return 0;
  };
  return { commands: { serve: take('serve'), setup: take('setup'), testSend: take('testSend'), doctor: take('doctor'), preview: take('preview') }, seen, loaded };
}

const argv = (...a: string[]) => ['node', 'sentry-tg', ...a];

describe('flags', () => {
  it('each command gets its own flags, typed, and no setting flags among them', async () => {
    const { ctx } = capture();
    const { commands, seen, loaded } = recording();
    expect(await main(argv('setup', '--mode', 'plugin', '--no-serve', '--chat-id', '-1002', '--env-file', '/nonexistent/.env'), ctx, commands)).toBe(2);
    expect(await main(argv('setup', '--mode', 'plugin', '--no-serve', '--chat-id', '-1002'), ctx, commands)).toBe(0);
    // --mode is a setting (SENTRY_TG_MODE, saved by setup): it arrives in the loaded settings.
    expect(seen.setup).toEqual({ serve: false });
    expect(loaded.setup).toMatchObject({ settings: { mode: 'plugin', chatId: '-1002' } });
    expect(await main(argv('--debug', 'test-send', '--all', '--dry-run'), ctx, commands)).toBe(0);
    expect(seen.testSend).toEqual({ kind: 'error', all: true, dryRun: true, debug: true });
    expect(await main(argv('doctor', '--json'), ctx, commands)).toBe(0);
    expect(seen.doctor).toMatchObject({ json: true, envFile: '.env', configProblems: [] });
    expect(await main(argv('serve', '--tunnel'), ctx, commands)).toBe(0);
    expect(seen.serve).toEqual({ tunnel: true });
  });
});

describe('--version', () => {
  it.each([['--version'], ['-v']])('%s prints the version alone, as commander does after other flags', async (flag) => {
    const fast = capture();
    expect(await main(argv(flag), fast.ctx, recording().commands)).toBe(0);
    expect(fast.stdout()).toBe(`${VERSION}\n`);
    // Through commander (a global flag before it), the same line.
    const slow = capture();
    expect(await main(argv('--env-file', '.env', flag), slow.ctx, recording().commands)).toBe(0);
    expect(slow.stdout()).toBe(fast.stdout());
  });
});

describe('errors become problem + fix', () => {
  it('a Telegram refusal thrown by a command is explained, not "unexpected"', async () => {
    const { ctx, stderr } = capture();
    const err = new TelegramApiError('sendMessage', 401, 'Unauthorized', undefined);
    expect(await main(argv('test-send'), ctx, recording(err).commands)).toBe(1);
    expect(stderr()).toContain('Error: Telegram answered 401 Unauthorized');
    expect(stderr()).toContain('@BotFather');
    expect(stderr()).not.toContain('Unexpected error');
  });

  it('a user error keeps its hint and exit code; a bug asks for --debug; nothing leaks the token', async () => {
    const user = capture();
    expect(await main(argv('serve'), user.ctx, recording(new UserError(`Port busy for ${TOKEN}`, 'Pass --port.', 3)).commands)).toBe(3);
    expect(user.stderr()).toBe('Error: Port busy for <redacted>\nPass --port.\n');
    const bug = capture();
    expect(await main(argv('serve'), bug.ctx, recording(new TypeError('x is undefined')).commands)).toBe(1);
    expect(bug.stderr()).toBe('Unexpected error: x is undefined\nRun again with --debug for details, and please report it.\n');
  });

  it('explainError sorts errors by layer', () => {
    expect(explainError(new ConfigError(['PORT must be a number']))).toMatchObject({ kind: 'config', exitCode: 2 });
    expect(explainError(new TelegramApiError('getChat', 400, 'Bad Request: chat not found', undefined))).toMatchObject({
      kind: 'telegram',
      problem: 'Telegram answered 400 Bad Request: chat not found',
      fix: expect.stringContaining('SENTRY_ALERT_CHAT_ID'),
    });
    expect(explainError(new TelegramNetworkError('getMe', 'ECONNREFUSED', false))).toMatchObject({ kind: 'network', fix: expect.stringContaining('TELEGRAM_API_ROOT') });
    expect(explainError(new Error('fetch failed'), { telegramApiRoot: 'http://127.0.0.1:1' })).toMatchObject({
      kind: 'network',
      fix: expect.stringContaining('http://127.0.0.1:1'),
    });
    // The receiver states the fact; the CLI words the fix.
    expect(explainError(new PortInUseError(8003, '127.0.0.1'))).toEqual({
      kind: 'user',
      problem: 'Port 8003 on 127.0.0.1 is already in use.',
      fix: 'Stop the other process or pass --port.',
      exitCode: 1,
    });
    expect(explainError('a string')).toMatchObject({ kind: 'unexpected', problem: 'a string' });
  });
});
