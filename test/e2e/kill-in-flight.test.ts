// kill -9 while sends are in flight, against a Telegram that processed them and lost the
// answers. The real binary, default fsync (full), the fake enforcing Telegram's real limits.
// Promise: after a restart every accepted alert is delivered, and the only duplicates are the
// sends that were in flight at the kill (the Bot API has no idempotency key: a send whose
// answer never came cannot be told from one that never arrived).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { SECRET, sentryRequest, tempDir } from '../helpers.js';
import { serveEnv, startServe } from './serve-child.js';

const CHAT = 5252;

function payload(i: number) {
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: `kill${i}z`.padEnd(32, '0'),
        title: `KillTest#${i}#`,
        level: 'error',
        issue_id: `81${i}`,
        web_url: `https://sentry.io/organizations/acme/issues/81${i}/`,
      },
      triggered_rule: 'kill test',
    },
  };
}

async function post(url: string, i: number): Promise<number> {
  const { body, headers } = sentryRequest(payload(i), { resource: 'event_alert' });
  return (await fetch(url + WEBHOOK_PATH, { method: 'POST', headers, body })).status;
}

/** Polls `probe` until it returns non-null; rejects after `timeoutMs`. */
async function until<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let tg: FakeTelegram;
let dir: ReturnType<typeof tempDir>;
let env: Record<string, string>;

beforeAll(async () => {
  tg = await startFakeTelegram(); // Telegram's real limits
  tg.addChat({ id: CHAT, type: 'private', firstName: 'Ops' });
  dir = tempDir('sentry-tg-kill-');
  env = serveEnv(tg, CHAT, SECRET, dir.path);
});
afterAll(async () => {
  await tg.close();
  dir.cleanup();
});

describe('sentry-tg serve killed with sends in flight', () => {
  it('SIGKILL while Telegram holds processed sends: all delivered after restart, duplicates ≤ sends in flight', async () => {
    const first = await startServe(env);
    const N = 8;
    for (let i = 0; i < N; i++) expect(await post(first.url, i)).toBe(202);
    // A few go through normally; from then on Telegram posts each message and loses the answer.
    await tg.waitFor((t) => t.messagesIn(CHAT).length >= 3, 15_000);
    tg.failNext('sendMessage', 'lost-answer', 1000);
    await tg.waitFor((t) => t.calls.some((c) => c.fault === 'lost-answer'), 15_000);
    // Two more arrive while that send hangs; they are on disk when answered.
    for (let i = N; i < N + 2; i++) expect(await post(first.url, i)).toBe(202);
    const inFlight = tg.calls.filter((c) => c.fault === 'lost-answer').length;
    first.proc.kill('SIGKILL');
    await first.exited;
    const deliveredBefore = tg.messagesIn(CHAT).length;
    tg.clearFaults();

    const second = await startServe(env);
    try {
      const total = N + 2;
      const shown = () => new Set(tg.messagesIn(CHAT).flatMap((m) => [...m.text.matchAll(/KillTest#(\d+)#/g)].map((x) => x[1])));
      await tg.waitFor(() => shown().size === total, 30_000);
      const health = await until(async () => {
        const h = (await (await fetch(second.url + '/health')).json()) as { queue: { pending: number; undeliverable: number } };
        return h.queue.pending === 0 ? h : null;
      }, 10_000);
      const perAlert = Array.from({ length: total }, (_, i) => tg.messagesIn(CHAT).filter((m) => m.text.includes(`KillTest#${i}#`)).length);
      const duplicates = perAlert.reduce((a, n) => a + Math.max(0, n - 1), 0);
      console.log(
        `kill -9 with sends in flight: ${total} accepted, ${deliveredBefore} messages before the kill, ${inFlight} send(s) in flight at the kill, ` +
          `${tg.messagesIn(CHAT).length} messages after restart, ${duplicates} duplicate(s), 429s: ${tg.rateLimited}`,
      );
      expect(inFlight).toBeGreaterThanOrEqual(1);
      expect(perAlert.every((n) => n >= 1)).toBe(true);
      expect(duplicates).toBeLessThanOrEqual(inFlight);
      expect(health.queue).toMatchObject({ pending: 0, undeliverable: 0 });
      expect(tg.rateLimited).toBe(0);
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 90_000);
});
