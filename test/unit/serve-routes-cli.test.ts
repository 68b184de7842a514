// `serve` needs SENTRY_ALERT_CHAT_ID only without a routes file: named by SENTRY_TG_ROUTES or
// --routes, or ./sentry-tg.routes.yaml present in the working directory. Without one, the
// missing chat is reported with the other configuration problems, as before.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Commands } from '../../src/cli/program.js';
import type { Context } from '../../src/context/context.js';
import { runProgram } from '../../src/context/exec.js';
import { createOutput } from '../../src/context/output.js';
import { tempDir } from '../helpers.js';

const TOKEN = '123456789:FAKE-test-token-not-a-real-bot-secret';
let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('sentry-tg-cli-routes-');
});
afterEach(() => dir.cleanup());

function run(args: string[], env: Record<string, string>) {
  let err = '';
  let served: { routes?: string; chatId?: string } | null = null;
  const sink = (add: (s: string) => void) => new Writable({ write: (c, _e, d) => (add(String(c)), d()) });
  const stdout = sink(() => undefined);
  const stderr = sink((s) => (err += s));
  const fullEnv = { NO_COLOR: '1', SENTRY_ALERT_TELEGRAM_TOKEN: TOKEN, ...env };
  const ctx = {
    argv: [], env: fullEnv, cwd: dir.path, stdout, stderr, interactive: false,
    out: createOutput(stdout, stderr, fullEnv),
    prompts: {} as Context['prompts'], fetch, now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), random: Math.random, exec: runProgram,
    openTunnel: async () => { throw new Error('no tunnel in tests'); },
    untilSignal: () => new Promise<string>(() => undefined),
  } satisfies Context;
  const commands = {
    serve: async (_c: Context, loaded: { settings: { routes?: string; chatId?: string } }) => ((served = loaded.settings), 0),
  } as unknown as Commands;
  const envFile = join(dir.path, 'empty.env');
  writeFileSync(envFile, '');
  return main(['node', 'sentry-tg', '--env-file', envFile, 'serve', ...args], ctx, commands).then(
    (code) => ({ code, err, served: served as { routes?: string; chatId?: string } | null }),
    () => ({ code: -1, err, served }),
  );
}

describe('serve and SENTRY_ALERT_CHAT_ID', () => {
  it('without a routes file it is required, listed with the other problems', async () => {
    const r = await run(['--port', 'abc'], {});
    expect(r.code).toBe(2);
    expect(r.err).toContain('SENTRY_ALERT_CHAT_ID is not set');
    expect(r.err).toContain('--port must be a whole number');
    expect(r.served).toBeNull();
  });

  it('is optional with SENTRY_TG_ROUTES or --routes (the receiver checks the file itself)', async () => {
    expect((await run([], { SENTRY_TG_ROUTES: 'team.yaml' })).served).toMatchObject({ routes: 'team.yaml' });
    const r = await run(['--routes', 'other.yaml'], {});
    expect(r.code).toBe(0);
    expect(r.served).toMatchObject({ routes: 'other.yaml' });
    expect(r.served?.chatId).toBeUndefined();
  });

  it('is optional when ./sentry-tg.routes.yaml is in the working directory', async () => {
    writeFileSync(join(dir.path, 'sentry-tg.routes.yaml'), 'routes: []\n');
    const r = await run([], {});
    expect(r.code).toBe(0);
    expect(r.served).not.toBeNull();
  });
});
