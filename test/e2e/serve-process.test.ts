// The real binary as a child process: accepts alerts while Telegram is down, is killed with
// SIGKILL, restarts, and delivers every accepted alert exactly once when Telegram is back.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { SECRET, sentryRequest, tempDir } from '../helpers.js';
import { BIN, serveEnv, startServe } from './serve-child.js';

const CHAT = 5151;

function payload(i: number) {
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: `crash${i}`.padEnd(32, '0'),
        title: `CrashTest${i}: boom`,
        level: 'error',
        issue_id: `9${i}`,
        web_url: `https://sentry.io/organizations/acme/issues/9${i}/`,
      },
      triggered_rule: 'crash test',
    },
  };
}

let tg: FakeTelegram;
let dir: ReturnType<typeof tempDir>;
let env: Record<string, string>;

beforeAll(async () => {
  tg = await startFakeTelegram({ limits: false });
  tg.addChat({ id: CHAT, type: 'private', firstName: 'Ops' });
  dir = tempDir();
  env = serveEnv(tg, CHAT, SECRET, dir.path);
});
afterAll(async () => {
  await tg.close();
  dir.cleanup();
});

describe.sequential('sentry-tg serve as a process', () => {
  it('survives SIGKILL: every accepted alert arrives exactly once after restart', async () => {
    tg.setDown(true);
    const first = await startServe(env);
    const N = 6;
    for (let i = 0; i < N; i++) {
      const { body, headers } = sentryRequest(payload(i), { resource: 'event_alert' });
      const res = await fetch(first.url + WEBHOOK_PATH, { method: 'POST', headers, body });
      expect(res.status).toBe(202);
    }
    // Let it try (and fail) against the dead Telegram for a moment, then kill it hard.
    await new Promise((r) => setTimeout(r, 500));
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(tg.messagesIn(CHAT)).toHaveLength(0);

    tg.setDown(false);
    const second = await startServe(env);
    try {
      await tg.waitFor((t) => t.messagesIn(CHAT).length >= N, 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      const texts = tg.messagesIn(CHAT).map((m) => m.text);
      for (let i = 0; i < N; i++) {
        expect(texts.filter((t) => t.includes(`CrashTest${i}: boom`))).toHaveLength(1);
      }
      expect(texts).toHaveLength(N);
      const health = (await (await fetch(second.url + '/health')).json()) as { queue: { pending: number; undeliverable: number } };
      expect(health.queue).toMatchObject({ pending: 0, undeliverable: 0 });
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    expect(second.output()).toContain('stopped');
    // The token never appears in the process output.
    expect(first.output() + second.output()).not.toContain(tg.token.split(':')[1]);
  }, 60_000);

  it('answers /health with version and Telegram state, and a forged request with 401', async () => {
    const child = await startServe(env);
    try {
      const health = (await (await fetch(child.url + '/health')).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', webhookAuth: 'signature or URL token' });
      expect(typeof health.version).toBe('string');
      const { body, headers } = sentryRequest(payload(99), { resource: 'event_alert', secret: 'forged-secret-0000000000' });
      const res = await fetch(child.url + WEBHOOK_PATH, { method: 'POST', headers, body });
      expect(res.status).toBe(401);
    } finally {
      child.proc.kill('SIGINT');
      expect(await child.exited).toBe(0);
    }
  }, 30_000);

  it('refuses to start with a list of every configuration problem', async () => {
    const proc = spawn(process.execPath, [BIN, 'serve', '--port', 'abc'], {
      env: { PATH: process.env.PATH ?? '', SENTRY_ALERT_TELEGRAM_TOKEN: 'nope', HOME: dir.path },
      cwd: dir.path,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((r) => proc.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('SENTRY_ALERT_TELEGRAM_TOKEN does not look like a bot token');
    expect(err).toContain('--port must be a whole number');
    expect(err).toContain('SENTRY_ALERT_CHAT_ID is not set');
    expect(err).not.toContain('nope');
  });
});
