// What replicas agree through PostgreSQL (see ReplicaCoordination in ../async-store.ts).
//
// Leases are rows (`leases`: name, holder, expires_at on the database clock) taken with
// INSERT … ON CONFLICT DO UPDATE … WHERE expired, rather than session advisory locks: an
// advisory lock belongs to one connection, so it would pin a pooled connection per chat, and a
// replica whose host vanished keeps it until TCP gives up (minutes); a lease ends at a known time,
// from one clock, whatever the network does. Outbox rows are claimed with FOR UPDATE SKIP LOCKED
// and a claim expiry; send pacing locks one row per chat and one for the whole bot.
import type { ClaimedRow, ReplicaCoordination, SendRules, SendSlot } from '../async-store.js';
import { decideSendSlot } from './send-slot.js';
import type { Sql } from './sql.js';

export const UPDATES_LEASE = 'updates';
/** How often a replica records that it runs, and after how long without a heartbeat it counts as gone. */
export const HEARTBEAT_MS = 5_000;
export const REPLICA_STALE_MS = 20_000;
/** The same key the SQLite receiver keeps the offset under (act/updates.ts). */
export const OFFSET_KEY = 'telegram.updates.offset';
const GLOBAL_SCOPE = '*';

const chatLease = (chatId: string) => `chat:${chatId}`;

export function pgCoordination(sql: Sql, replicaId: string): ReplicaCoordination {
  async function takeLease(name: string, holder: string, leaseMs: number): Promise<boolean> {
    const res = await sql.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, sentry_tg_now_ms() + $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at < sentry_tg_now_ms()
       RETURNING holder`,
      [name, holder, Math.round(leaseMs)],
    );
    return res.rowCount === 1;
  }

  return {
    replicaId,
    claimChat: (chatId, holder, leaseMs) => takeLease(chatLease(chatId), holder, leaseMs),
    async renewChat(chatId, holder, leaseMs) {
      const res = await sql.query(`UPDATE leases SET expires_at = sentry_tg_now_ms() + $3 WHERE name = $1 AND holder = $2`, [
        chatLease(chatId),
        holder,
        Math.round(leaseMs),
      ]);
      return res.rowCount === 1;
    },
    async releaseChat(chatId, holder) {
      await sql.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [chatLease(chatId), holder]);
    },
    async claimDue(holder: string, limit: number, leaseMs: number): Promise<ClaimedRow[]> {
      const res = await sql.query<ClaimedRow>(
        `WITH clock AS MATERIALIZED (SELECT sentry_tg_now_ms() AS now),
         due AS (
           SELECT o.id FROM outbox o, clock
           WHERE o.state = 'pending' AND o.next_attempt_at <= clock.now
             AND (o.claim_until IS NULL OR o.claim_until < clock.now)
             AND NOT EXISTS (SELECT 1 FROM leases l
                             WHERE l.name = 'chat:' || o.chat_id AND l.holder <> $1 AND l.expires_at >= clock.now)
           ORDER BY o.next_attempt_at, o.id
           LIMIT $2
           FOR UPDATE OF o SKIP LOCKED
         )
         UPDATE outbox o SET claimed_by = $1, claim_until = clock.now + $3
         FROM due, clock WHERE o.id = due.id
         RETURNING o.id, o.received_at AS "receivedAt", o.resource, o.action, o.chat_id AS "chatId", o.thread_id AS "threadId",
                   o.group_key AS "groupKey", o.attempts, o.next_attempt_at AS "nextAttemptAt", o.claim_until AS "claimUntil"`,
        [holder, limit, Math.round(leaseMs)],
      );
      return res.rows.sort((a, b) => a.id - b.id);
    },
    async takeSendSlot(chatId: string, now: number, rules: SendRules): Promise<SendSlot> {
      return sql.tx(async (tx) => {
        await tx.query(`INSERT INTO send_slots (scope) VALUES ($1), ($2) ON CONFLICT DO NOTHING`, [GLOBAL_SCOPE, chatId]);
        // Always the bot's row first, then the chat's: every caller locks in one order.
        const lock = async (scope: string) =>
          (await tx.query<{ sentAt: number[] }>(`SELECT sent_at AS "sentAt" FROM send_slots WHERE scope = $1 FOR UPDATE`, [scope])).rows[0]
            ?.sentAt ?? [];
        const globalSentAt = (await lock(GLOBAL_SCOPE)).map(Number);
        const chatSentAt = chatId === GLOBAL_SCOPE ? globalSentAt : (await lock(chatId)).map(Number);
        const d = decideSendSlot(chatId, chatSentAt, globalSentAt, now, rules);
        if (d.waitMs > 0) return { ok: false, waitMs: d.waitMs };
        await tx.query(`UPDATE send_slots SET sent_at = $2::bigint[] WHERE scope = $1`, [GLOBAL_SCOPE, d.globalSentAt]);
        await tx.query(`UPDATE send_slots SET sent_at = $2::bigint[] WHERE scope = $1`, [chatId, d.chatSentAt]);
        return { ok: true, waitMs: 0 };
      });
    },
    tryLead: (holder, leaseMs) => takeLease(UPDATES_LEASE, holder, leaseMs),
    async releaseLead(holder) {
      await sql.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [UPDATES_LEASE, holder]);
    },
    async heartbeat(holder, staleMs) {
      await sql.query(
        `WITH clock AS MATERIALIZED (SELECT sentry_tg_now_ms() AS now),
         gone AS (DELETE FROM replicas USING clock WHERE replicas.seen_at < clock.now - $2 AND replicas.id <> $1)
         INSERT INTO replicas (id, started_at, seen_at) SELECT $1, clock.now, clock.now FROM clock
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`,
        [holder, Math.round(staleMs)],
      );
    },
    async leave(holder) {
      await sql.query('DELETE FROM replicas WHERE id = $1', [holder]);
    },
    async updateOffset() {
      const res = await sql.query<{ value: string }>('SELECT value FROM kv WHERE key = $1', [OFFSET_KEY]);
      const n = Number(res.rows[0]?.value);
      return res.rows[0] && Number.isFinite(n) ? n : null;
    },
    async saveUpdateOffset(offset: number, holder?: string) {
      const res = await sql.query(
        `INSERT INTO kv (key, value)
         SELECT $1, $2::bigint::text
         WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM leases WHERE name = $4 AND holder = $3 AND expires_at >= sentry_tg_now_ms())
         ON CONFLICT (key) DO UPDATE SET value = GREATEST(kv.value::bigint, excluded.value::bigint)::text`,
        [OFFSET_KEY, Math.trunc(offset), holder ?? null, UPDATES_LEASE],
      );
      return res.rowCount === 1;
    },
  };
}
