// Two replicas (two stores, each its own pool) on one PostgreSQL schema: migrations at once,
// claims, leases, shared pacing at Telegram's real limits, leader takeover, one row per Request-ID.
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { openPgStore, type PgStore } from '../../../src/store/pg/store.js';
import { PG_MIGRATIONS } from '../../../src/store/pg/migrations.js';
import { alertRow } from '../contract.js';
import { describePg, dropSchema, freshSchema, inSchema, replicas, TEST_DATABASE_URL } from './pg-helpers.js';

const TELEGRAM_LIMITS = { privateGapMs: 1000, groupPerMinute: 20, globalPerSecond: 30 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let done: (() => Promise<void>) | undefined;
afterEach(async () => {
  await done?.();
  done = undefined;
});

async function two(): Promise<[PgStore, PgStore, string]> {
  const r = await replicas(2);
  done = r.cleanup;
  return [r.stores[0]!, r.stores[1]!, r.schema];
}

/** Calls `fn` until it returns true, `tries` times at most, `gapMs` apart. */
async function eventually(fn: () => Promise<boolean>, tries: number, gapMs: number): Promise<number> {
  for (let i = 1; i <= tries; i++) {
    if (await fn()) return i;
    await sleep(gapMs);
  }
  throw new Error(`not true after ${tries} tries`);
}

describePg('PostgreSQL store with two replicas', () => {
  it('applies migrations once when two replicas open a fresh schema at the same moment', async () => {
    const schema = freshSchema();
    const opened = await Promise.allSettled([
      openPgStore({ url: TEST_DATABASE_URL, replicaId: 'a', schema }),
      openPgStore({ url: TEST_DATABASE_URL, replicaId: 'b', schema }),
      openPgStore({ url: TEST_DATABASE_URL, replicaId: 'c', schema }),
    ]);
    const stores = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    done = async () => {
      await Promise.all(stores.map((s) => s.close()));
      await dropSchema(schema);
    };
    expect(opened.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const latest = PG_MIGRATIONS.length;
    expect(stores.map((s) => s.schemaVersion)).toEqual([latest, latest, latest]);
    expect(await inSchema(schema, 'SELECT version FROM schema_migrations ORDER BY version')).toEqual(PG_MIGRATIONS.map((_, i) => ({ version: i + 1 })));
    // A later start finds nothing to do, and a schema from a newer sentry-tg is refused.
    const again = await openPgStore({ url: TEST_DATABASE_URL, replicaId: 'd', schema });
    await again.close();
    await inSchema(schema, 'INSERT INTO schema_migrations (version) VALUES (99)');
    await expect(openPgStore({ url: TEST_DATABASE_URL, replicaId: 'e', schema })).rejects.toThrow(/newer sentry-tg/);
  });

  it('accepts the same Request-ID sent to both replicas at once as one row', async () => {
    const [a, b, schema] = await two();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => [a, b].map((s) => s.acceptMany([alertRow({ requestId: `req-${i}`, receivedAt: Date.now() })]))).flat(),
    );
    const accepted = results.flat().filter((r) => !r.duplicate);
    expect(accepted).toHaveLength(20);
    expect(results.flat().filter((r) => r.duplicate)).toHaveLength(20);
    expect(await inSchema(schema, 'SELECT COUNT(*)::int AS n, COUNT(DISTINCT request_id)::int AS d FROM outbox')).toEqual([{ n: 20, d: 20 }]);
  });

  it('accepts batches holding the same keys in opposite orders without a deadlock or a lost row', async () => {
    const [a, b, schema] = await two();
    for (let round = 0; round < 10; round++) {
      const keys = Array.from({ length: 6 }, (_, i) => `r${round}-${i}`);
      const rows = keys.map((k) => alertRow({ requestId: k }));
      const [x, y] = await Promise.all([a.acceptMany(rows), b.acceptMany([...rows].reverse())]);
      expect([...x, ...y].filter((r) => !r.duplicate)).toHaveLength(6);
    }
    expect(await inSchema(schema, 'SELECT COUNT(*)::int AS n FROM outbox')).toEqual([{ n: 60 }]);
  });

  it('never hands one row to both replicas claiming at once (SKIP LOCKED)', async () => {
    const [a, b] = await two();
    const now = Date.now() - 1000;
    await a.acceptMany(Array.from({ length: 150 }, (_, i) => alertRow({ requestId: `c${i}`, receivedAt: now, chatId: String(i % 9) })));
    const got = new Map<string, number[]>([['replica-1', []], ['replica-2', []]]);
    const worker = async (s: PgStore) => {
      for (;;) {
        const rows = await s.claimDue(s.replicaId, 7, 60_000);
        if (rows.length === 0) return;
        got.get(s.replicaId)!.push(...rows.map((r) => r.id));
      }
    };
    await Promise.all([worker(a), worker(b), worker(a), worker(b)]);
    const all = [...got.values()].flat();
    expect(all).toHaveLength(150);
    expect(new Set(all).size).toBe(150);
    expect(got.get('replica-1')!.length).toBeGreaterThan(0);
    expect(got.get('replica-2')!.length).toBeGreaterThan(0);
  });

  it('takes over the claimed rows of a replica that stopped once their claim expires', async () => {
    const [a, b, schema] = await two();
    const ids = (await a.acceptMany([1, 2, 3].map((i) => alertRow({ requestId: `t${i}`, receivedAt: Date.now() - 1000 })))).map((r) => r.id);
    const claimed = await a.claimDue('replica-1', 10, 400);
    expect(claimed.map((r) => r.id)).toEqual(ids);
    expect(await b.claimDue('replica-2', 10, 60_000)).toEqual([]);
    // replica-1 "dies" holding them; replica-2 gets them once the claim runs out.
    await eventually(async () => (await b.claimDue('replica-2', 10, 60_000)).length === 3, 50, 100);
    expect(await inSchema(schema, 'SELECT DISTINCT claimed_by FROM outbox')).toEqual([{ claimed_by: 'replica-2' }]);
    // Finishing ends the claim; a retry frees the row for whoever is due first.
    await b.finish([ids[0]!], 'sent', 1, Date.now());
    await b.retryLater([ids[1]!], Date.now() - 1, 'timeout', Date.now());
    expect((await a.claimDue('replica-1', 10, 60_000)).map((r) => r.id)).toEqual([ids[1]]);
  });

  it('lets one replica serve a chat at a time, until it releases it or its lease expires', async () => {
    const [a, b] = await two();
    const tries = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimChat('-42', (i % 2 ? a : b).replicaId, 60_000)));
    const winners = tries.flatMap((ok, i) => (ok ? [i % 2 ? 'replica-1' : 'replica-2'] : []));
    expect(new Set(winners).size).toBe(1);
    const [holder, other] = winners[0] === 'replica-1' ? [a, b] : [b, a];
    expect(await other.claimChat('-42', other.replicaId, 60_000)).toBe(false);
    expect(await other.renewChat('-42', other.replicaId, 60_000)).toBe(false);
    expect(await holder.renewChat('-42', holder.replicaId, 60_000)).toBe(true);
    // The other replica does not get the chat's rows while the lease runs.
    await holder.acceptMany([alertRow({ chatId: '-42', requestId: 'x', receivedAt: Date.now() - 1000 })]);
    expect(await other.claimDue(other.replicaId, 10, 60_000)).toEqual([]);
    await holder.releaseChat('-42', holder.replicaId);
    expect(await other.claimChat('-42', other.replicaId, 300)).toBe(true);
    expect((await other.claimDue(other.replicaId, 10, 60_000)).map((r) => r.chatId)).toEqual(['-42']);
    // A lease that is not renewed expires, and the chat changes hands.
    await eventually(() => holder.claimChat('-42', holder.replicaId, 60_000), 50, 100);
    expect(await other.renewChat('-42', other.replicaId, 60_000)).toBe(false);
  });

  it('hands update reading to another replica when the leader stops, sharing the offset', async () => {
    const [a, b] = await two();
    expect(await a.tryLead('replica-1', 400)).toBe(true);
    expect(await b.tryLead('replica-2', 400)).toBe(false);
    expect(await a.tryLead('replica-1', 400)).toBe(true); // a leader renews
    expect(await a.saveUpdateOffset(100, 'replica-1')).toBe(true);
    expect(await b.saveUpdateOffset(999, 'replica-2')).toBe(false);
    expect(await b.updateOffset()).toBe(100);
    // replica-1 stops renewing; replica-2 leads once its lease has run out.
    await eventually(() => b.tryLead('replica-2', 30_000), 50, 100);
    expect(await a.tryLead('replica-1', 400)).toBe(false);
    expect(await a.saveUpdateOffset(150, 'replica-1')).toBe(false);
    expect(await b.saveUpdateOffset(120, 'replica-2')).toBe(true);
    expect(await b.saveUpdateOffset(110)).toBe(true); // never moves back
    expect(await a.updateOffset()).toBe(120);
  });

  describe('shared pacing at Telegram limits, two replicas asking at once', () => {
    // Grants per chat, on a virtual clock both replicas share; each step, every replica asks for
    // every chat at the same time.
    async function hammer(stores: PgStore[], chats: string[], stepMs: number, untilMs: number) {
      const grants: { chatId: string; at: number }[] = [];
      for (let now = 0; now <= untilMs; now += stepMs) {
        const asks = stores.flatMap((s) => chats.map(async (chatId) => ({ chatId, slot: await s.takeSendSlot(chatId, now, TELEGRAM_LIMITS) })));
        for (const { chatId, slot } of await Promise.all(asks)) {
          if (slot.ok) grants.push({ chatId, at: now });
          else expect(slot.waitMs).toBeGreaterThan(0);
        }
      }
      return grants;
    }
    const maxInWindow = (times: number[], spanMs: number) =>
      Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + spanMs).length));

    it('keeps the bot under 30 calls in any second and each chat at one a second', async () => {
      const [a, b] = await two();
      const chats = Array.from({ length: 40 }, (_, i) => String(1000 + i));
      const grants = await hammer([a, b], chats, 200, 2400);
      expect(maxInWindow(grants.map((g) => g.at), 1000)).toBe(30);
      for (const chat of chats) {
        const times = grants.filter((g) => g.chatId === chat).map((g) => g.at);
        for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
      }
    });

    it('keeps each group under 20 calls in any minute', async () => {
      const [a, b] = await two();
      const grants = await hammer([a, b], ['-1001', '-1002'], 500, 130_000);
      for (const chat of ['-1001', '-1002']) {
        const times = grants.filter((g) => g.chatId === chat).map((g) => g.at);
        expect(maxInWindow(times, 60_000)).toBe(20);
        for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
      }
    });
  });
});

describe('opening PostgreSQL that cannot be reached', () => {
  it('says where and why in a UserError, without the password', async () => {
    const url = 'postgres://alice:not-a-real-pw-123@127.0.0.1:1/alerts';
    const err = await openPgStore({ url, replicaId: 'r' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('Cannot open the PostgreSQL database at 127.0.0.1:1/alerts (connection refused).');
    expect((err as UserError).hint).toMatch(/SENTRY_TG_DATABASE_URL/);
    expect(JSON.stringify({ m: (err as UserError).message, h: (err as UserError).hint, s: (err as Error).stack })).not.toContain('not-a-real-pw');
  });
});
