// Update reading with replicas on PostgreSQL: only the leader polls getUpdates (so Telegram never
// answers 409 for a second poller); when the leader stops renewing its lease (it died), the other
// replica takes over and resumes from the shared offset: the next update is handled, none twice.
import { afterEach, expect, it } from 'vitest';
import { startUpdateLoop, type UpdateLoop } from '../../src/act/updates.js';
import { silentLogger } from '../../src/log/logger.js';
import type { PgStore } from '../../src/store/pg/store.js';
import { createTelegram } from '../../src/telegram/client.js';
import type { TgUpdate } from '../../src/telegram/types.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { describePg, inSchema, replicas } from '../store/pg/pg-helpers.js';

const CHAT = 5151;
const LEASE_MS = 900;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describePg('update reading with replicas', () => {
  it('one leader polls; after it dies the other resumes from the shared offset, handling nothing twice', async () => {
    const r = await replicas(2);
    const tg: FakeTelegram = await startFakeTelegram({ limits: false });
    tg.addChat({ id: CHAT, type: 'private', firstName: 'Ops' });
    const handled: { by: string; text: string | undefined }[] = [];
    const loops = new Map<PgStore, UpdateLoop>();
    for (const store of r.stores) {
      loops.set(
        store,
        startUpdateLoop({
          telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000 }),
          store,
          // As a killed process would: stopping does not give the lease up.
          replicas: { ...store, releaseLead: async () => {} },
          leadLeaseMs: LEASE_MS,
          logger: silentLogger(),
          config: { pollTimeoutSeconds: 1, conflictRetryMs: 400, backoff: { baseMs: 100, maxMs: 400 } },
          handle: async (u: TgUpdate) => {
            handled.push({ by: store.replicaId, text: u.message?.text });
          },
        }),
      );
    }
    cleanup = async () => {
      await Promise.all([...loops.values()].map((l) => l.stop()));
      await tg.close();
      await r.cleanup();
    };

    tg.pushMessage(CHAT, 'first');
    tg.pushMessage(CHAT, 'second');
    await tg.waitFor(() => handled.length === 2, 10_000);
    const leader = handled[0]!.by;
    expect(handled).toEqual([
      { by: leader, text: 'first' },
      { by: leader, text: 'second' },
    ]);
    const [dead, alive] = r.stores[0]!.replicaId === leader ? [r.stores[0]!, r.stores[1]!] : [r.stores[1]!, r.stores[0]!];
    expect(loops.get(dead)!.leading()).toBe(true);
    expect(loops.get(alive)!.leading()).toBe(false);

    // The leader stops without giving up its lease (releaseLead does nothing here), as a killed process would.
    await loops.get(dead)!.stop();
    tg.pushMessage(CHAT, 'third');
    await tg.waitFor(() => handled.length === 3, 15_000);
    expect(handled[2]).toEqual({ by: alive.replicaId, text: 'third' });
    expect(loops.get(alive)!.leading()).toBe(true);
    expect(await alive.updateOffset()).toBeGreaterThan(0);
    // Never two pollers at once: Telegram did not have to end a poll for another.
    expect(tg.calls.filter((c) => c.method === 'getUpdates' && c.status === 409)).toEqual([]);
  }, 30_000);

  it('a leader that stops cleanly gives the lease up: another replica leads at once, not when the lease runs out', async () => {
    const r = await replicas(2);
    const tg: FakeTelegram = await startFakeTelegram({ limits: false });
    const [leader, other] = r.stores as [PgStore, PgStore];
    const loop = startUpdateLoop({
      telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000 }),
      store: leader,
      replicas: leader,
      // Long enough that only a release explains the other replica leading right after the stop.
      leadLeaseMs: 60_000,
      logger: silentLogger(),
      config: { pollTimeoutSeconds: 1, conflictRetryMs: 400, backoff: { baseMs: 100, maxMs: 400 } },
      handle: async () => {},
    });
    cleanup = async () => {
      await loop.stop();
      await tg.close();
      await r.cleanup();
    };
    await tg.waitFor(() => loop.leading(), 10_000);
    expect(await other.tryLead(other.replicaId, 60_000)).toBe(false);
    await loop.stop();
    expect(loop.leading()).toBe(false);
    expect(await inSchema(r.schema, `SELECT holder FROM leases WHERE name = 'updates'`)).toEqual([]);
    expect(await other.tryLead(other.replicaId, 60_000)).toBe(true);
  }, 30_000);
});
