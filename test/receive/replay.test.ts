// The replay window: a signed webhook whose Sentry-Hook-Timestamp is more than the window off the
// receiver's clock (the context's, here a fixed fake one) is refused with 401 and stored nowhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { staleTimestamp } from '../../src/receive/webhook.js';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { fixture, sentryRequest } from '../helpers.js';
import { startReceiverRig, type ReceiverRig } from './rig.js';
import { connectionOf } from '../../src/store/testing.js';

// Noon, 1 June 2026, in the receiver's clock; Sentry's timestamps are relative to it.
const NOW_MS = Date.UTC(2026, 5, 1, 12, 0, 0);
const NOW_S = NOW_MS / 1000;

let rig: ReceiverRig;
let lenient: ReceiverRig;
beforeAll(async () => {
  rig = await startReceiverRig({ now: () => NOW_MS });
  lenient = await startReceiverRig({ now: () => NOW_MS, settings: { replayWindowSeconds: 0 } });
});
afterAll(async () => {
  await rig.close();
  await lenient.close();
});

let seq = 0;
async function post(at: ReceiverRig, timestamp: string | null) {
  const alert = structuredClone(fixture('event_alert.triggered.json')) as { data: { event: { event_id: string } } };
  alert.data.event.event_id = `7e${seq++}`.padEnd(32, '0');
  const { body, headers } = sentryRequest(alert, { resource: 'event_alert' });
  if (timestamp === null) delete headers['sentry-hook-timestamp'];
  else headers['sentry-hook-timestamp'] = timestamp;
  const res = await fetch(at.receiver.localUrl + WEBHOOK_PATH, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { status: string; message?: string } };
}

describe('replay window (default 300 s)', () => {
  it.each([
    ['301 s old', NOW_S - 301, /^Stale timestamp: Sentry-Hook-Timestamp is 301 s old \(limit 300 s\)/],
    ['a day old', NOW_S - 86_400, /is 86400 s old/],
    ['301 s in the future', NOW_S + 301, /is 301 s in the future/],
  ])('refuses a signed webhook %s with 401 and stores nothing', async (_name, ts, message) => {
    const before = connectionOf(rig.receiver.store).prepare('SELECT COUNT(*) AS n FROM outbox').get();
    const res = await post(rig, String(ts));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: 'error', message: expect.stringMatching(message) });
    expect(connectionOf(rig.receiver.store).prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual(before);
  });

  it.each([['now', NOW_S], ['299 s old', NOW_S - 299], ['299 s ahead', NOW_S + 299], ['fractional seconds', NOW_S - 1.5]])(
    'accepts a signed webhook stamped %s',
    async (_name, ts) => {
      expect((await post(rig, String(ts))).status).toBe(202);
    },
  );

  it('accepts a signed webhook without a timestamp (decided: only a present timestamp is checked)', async () => {
    expect((await post(rig, null)).status).toBe(202);
  });

  it.each([['not a number', 'yesterday'], ['milliseconds', String(NOW_MS)], ['negative', '-5'], ['empty', '']])(
    'refuses a timestamp that is %s',
    async (_name, ts) => {
      const res = await post(rig, ts);
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/^Stale timestamp/);
    },
  );

  it('SENTRY_TG_REPLAY_WINDOW=0 turns the check off', async () => {
    expect((await post(lenient, String(NOW_S - 86_400))).status).toBe(202);
  });

  it('a replayed Request-ID inside the window is still answered once (de-duplication stays)', async () => {
    const alert = fixture('event_alert.triggered.json');
    const { body, headers } = sentryRequest(alert, { resource: 'event_alert', requestId: 'c'.repeat(32) });
    headers['sentry-hook-timestamp'] = String(NOW_S);
    const send = () => fetch(rig.receiver.localUrl + WEBHOOK_PATH, { method: 'POST', headers, body });
    expect((await send()).status).toBe(202);
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
  });
});

describe('staleTimestamp', () => {
  it('is null when the window is 0 or the header is absent', () => {
    expect(staleTimestamp(String(NOW_S - 10_000), NOW_MS, 0)).toBeNull();
    expect(staleTimestamp(undefined, NOW_MS, 300)).toBeNull();
  });
});

describe('SENTRY_TG_REPLAY_WINDOW / --replay-window', () => {
  const load = (env: Record<string, string>, flags: Record<string, string> = {}) =>
    loadSettings({ envFile: { path: '/nonexistent/.env', explicit: false }, env, flags });

  it('defaults to 300 s, reads the env and the flag, and refuses a non-number', () => {
    expect(load({}).settings.replayWindowSeconds).toBe(300);
    expect(load({ SENTRY_TG_REPLAY_WINDOW: '0' }).settings.replayWindowSeconds).toBe(0);
    expect(load({ SENTRY_TG_REPLAY_WINDOW: '0' }, { replayWindowSeconds: '600' }).settings.replayWindowSeconds).toBe(600);
    expect(() => load({ SENTRY_TG_REPLAY_WINDOW: 'five minutes' })).toThrow(/SENTRY_TG_REPLAY_WINDOW/);
  });
});
