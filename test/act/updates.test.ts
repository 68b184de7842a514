// The long-polling loop against the fake Telegram: the offset is saved and resumed, a 409 is
// explained once and retried slowly (no spinning), network errors back off, stop is prompt.
import { asyncStore } from '../../src/store/async-store.js';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFLICT_MESSAGE, OFFSET_KEY, startUpdateLoop, type UpdateLoop } from '../../src/act/updates.js';
import { createTelegram } from '../../src/telegram/client.js';
import type { TgUpdate } from '../../src/telegram/types.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

const CHAT = 4242;

let tg: FakeTelegram;
let store: Store;
let loops: UpdateLoop[];
let lines: { level: number; msg: string; [k: string]: unknown }[];

function logger() {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return createLogger({ stream: sink, pretty: false, level: 'debug' });
}

function start(handle: (u: TgUpdate) => Promise<void>, config = {}) {
  const loop = startUpdateLoop({
    telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000 }),
    store: asyncStore(store),
    logger: logger(),
    handle,
    config: { pollTimeoutSeconds: 25, conflictRetryMs: 400, backoff: { baseMs: 100, maxMs: 400 }, ...config },
  });
  loops.push(loop);
  return loop;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  tg = await startFakeTelegram({ limits: false });
  store = openStore({ dataDir: '', filename: ':memory:' });
  loops = [];
  lines = [];
});
afterEach(async () => {
  for (const l of loops) await l.stop();
  store.close();
  await tg.close();
});

describe('offset', () => {
  it('each handled update moves the saved offset; a new loop resumes after it', async () => {
    const seen: number[] = [];
    const first = start(async (u) => void seen.push(u.update_id));
    const a = tg.pushMessage(CHAT, 'one');
    const b = tg.pushMessage(CHAT, 'two');
    await tg.waitFor(() => seen.length === 2);
    expect(seen).toEqual([a.update_id, b.update_id]);
    expect(store.kvGet(OFFSET_KEY)).toBe(String(b.update_id + 1));
    await first.stop();
    expect(first.state()).toBe('stopped');

    const c = tg.pushMessage(CHAT, 'three');
    const again: number[] = [];
    start(async (u) => void again.push(u.update_id));
    await tg.waitFor(() => again.length === 1);
    await sleep(200);
    expect(again).toEqual([c.update_id]);
    // The new loop's first request carried the saved offset.
    const delivered = tg.callsTo('getUpdates').find((call) => JSON.stringify(call.response).includes(`"update_id":${c.update_id}`));
    expect(delivered!.params.offset).toBe(b.update_id + 1);
  });

  it('an update whose handler throws is logged and not retried forever', async () => {
    const seen: number[] = [];
    start(async (u) => {
      seen.push(u.update_id);
      throw new Error('boom');
    });
    const a = tg.pushMessage(CHAT, 'x');
    await tg.waitFor(() => store.kvGet(OFFSET_KEY) === String(a.update_id + 1));
    await sleep(200);
    expect(seen).toEqual([a.update_id]);
    expect(lines.find((l) => l.msg === 'handling a Telegram update failed')).toBeDefined();
  });
});

describe('409 Conflict', () => {
  it('a webhook is set: one clear error, slow retries (no spinning), then it recovers', async () => {
    await fetch(`${tg.url}/bot${tg.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/telegram' }),
    });
    const seen: number[] = [];
    const loop = start(async (u) => void seen.push(u.update_id));
    await sleep(1000);
    const calls = tg.callsTo('getUpdates');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(calls.every((c) => c.status === 409)).toBe(true);
    const errors = lines.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toBe(`Telegram updates: ${CONFLICT_MESSAGE}`);
    expect(errors[0]!.telegram).toMatch(/webhook is active/);
    expect(loop.state()).toBe('conflict');

    await fetch(`${tg.url}/bot${tg.token}/deleteWebhook`, { method: 'POST' });
    const u = tg.pushMessage(CHAT, 'hello');
    await tg.waitFor(() => seen.length === 1, 3000);
    expect(seen).toEqual([u.update_id]);
    expect(loop.state()).toBe('polling');
    expect(lines.some((l) => l.msg === 'reading Telegram updates again')).toBe(true);
  });

  it('another program polls the same bot: the same single error', async () => {
    start(async () => undefined);
    await sleep(200); // our long poll is now waiting in the fake
    const other = fetch(`${tg.url}/bot${tg.token}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 1 }),
    });
    await tg.waitFor(() => lines.some((l) => l.level >= 50));
    expect(lines.filter((l) => l.level >= 50).map((l) => l.telegram)).toEqual([
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    ]);
    await other;
  });
});

describe('network errors and stopping', () => {
  it('Telegram unreachable: backs off, warns once, resumes when it is back', async () => {
    tg.setDown(true);
    const seen: number[] = [];
    const loop = start(async (u) => void seen.push(u.update_id));
    await sleep(1000);
    const attempts = tg.calls.filter((c) => c.fault === 'down').length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(10);
    expect(lines.filter((l) => l.msg === 'could not read Telegram updates: will retry')).toHaveLength(1);
    expect(loop.state()).toBe('failing');
    tg.setDown(false);
    const u = tg.pushMessage(CHAT, 'back');
    await tg.waitFor(() => seen.length === 1, 3000);
    expect(seen).toEqual([u.update_id]);
  });

  it('stop ends a long poll in flight at once', async () => {
    const loop = start(async () => undefined, { pollTimeoutSeconds: 25 });
    await sleep(200);
    const t0 = Date.now();
    await loop.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(loop.state()).toBe('stopped');
  });
});
