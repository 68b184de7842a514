// The dispatcher on PostgreSQL with replicas: a chat leased to another replica is not served
// until the lease ends; two dispatchers sending to one private chat keep Telegram's real
// limits between them (the send slot in the database), so the fake answers no 429.
import { afterEach, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../src/deliver/dispatcher.js';
import { DEFAULT_PACING } from '../../src/deliver/pacing.js';
import { silentLogger } from '../../src/log/logger.js';
import { createIntake } from '../../src/receive/intake.js';
import type { PgStore } from '../../src/store/pg/store.js';
import { createTelegram } from '../../src/telegram/client.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { describePg, replicas } from '../store/pg/pg-helpers.js';

const CHAT = 6161;

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

function dispatcherOn(store: PgStore, tg: FakeTelegram): Dispatcher {
  return createDispatcher({
    store,
    replicas: store,
    telegram: createTelegram({ apiRoot: tg.url, token: tg.token }),
    logger: silentLogger(),
    status: createTelegramStatus(),
    pacing: DEFAULT_PACING,
    // Alerts one by one (no digests), so every send is one call to count.
    storm: { digestAfterMs: 60 * 60_000 },
    rescanMs: 200,
    chatLeaseMs: 5000,
  });
}

function payload(i: number) {
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: `pgd${i}z`.padEnd(32, '0'),
        title: `Leased#${i}#`,
        level: 'error',
        issue_id: `71${i}`,
        web_url: `https://sentry.io/organizations/acme/issues/71${i}/`,
      },
      triggered_rule: 'rule',
    },
  };
}

async function setUp() {
  const r = await replicas(2);
  const tg = await startFakeTelegram(); // Telegram's real limits
  tg.addChat({ id: CHAT, type: 'private', firstName: 'Ops' });
  const [a, b] = [r.stores[0]!, r.stores[1]!];
  const da = dispatcherOn(a, tg);
  const db = dispatcherOn(b, tg);
  stop = async () => {
    await Promise.all([da.stop(), db.stop()]);
    await tg.close();
    await r.cleanup();
  };
  const intakeOn = (store: PgStore, d: Dispatcher) =>
    createIntake({ store, routeConfig: { chatId: String(CHAT) }, now: Date.now, onAccepted: (ids) => d.wake(ids) });
  return { tg, a, b, da, db, ia: intakeOn(a, da), ib: intakeOn(b, db) };
}

async function accept(intake: ReturnType<typeof createIntake>, i: number): Promise<void> {
  const p = payload(i);
  await intake.accept({ body: Buffer.from(JSON.stringify(p)), parsed: p, resource: 'event_alert', requestId: undefined });
}

describePg('dispatcher with replicas on PostgreSQL', () => {
  it('does not serve a chat while another replica holds its lease, and serves it once the lease is released', async () => {
    const { tg, a, b, da, ia } = await setUp();
    expect(await b.claimChat(String(CHAT), b.replicaId, 60_000)).toBe(true);
    da.start();
    await accept(ia, 1);
    // Several rescans and wakes pass while b holds the chat: nothing is sent.
    await new Promise((r) => setTimeout(r, 1500));
    expect(tg.messagesIn(CHAT)).toEqual([]);
    expect((await a.stats()).pending).toBe(1);
    await b.releaseChat(String(CHAT), b.replicaId);
    await tg.waitFor((t) => t.messagesIn(CHAT).length === 1, 10_000);
    expect(tg.messagesIn(CHAT)[0]!.text).toContain('Leased#1#');
  }, 30_000);

  it('two dispatchers on one chat: each alert sent once, under 1 call a second between them (no 429)', async () => {
    const { tg, a, da, db, ia, ib } = await setUp();
    da.start();
    db.start();
    const N = 8;
    for (let i = 0; i < N; i++) await accept(i % 2 === 0 ? ia : ib, i);
    await tg.waitFor((t) => t.messagesIn(CHAT).length === N, 30_000);
    await expect.poll(async () => (await a.stats()).pending, { timeout: 5000 }).toBe(0);
    const texts = tg.messagesIn(CHAT).map((m) => m.text);
    for (let i = 0; i < N; i++) expect(texts.filter((t) => t.includes(`Leased#${i}#`)).length).toBe(1);
    // Each replica alone would send 1 a second; together without the shared slot they would pass
    // the fake's bucket (1/s, burst 3) and get 429s.
    expect(tg.rateLimited).toBe(0);
  }, 60_000);
});
