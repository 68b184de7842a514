// The store's methods in PostgreSQL: the same names, arguments and results as the SQLite
// repositories (../outbox.ts, ../messages.ts, ../callbacks.ts, ../mutes.ts, ../chats.ts), each
// returning a Promise. Multi-statement writes run in one transaction (`sql.tx`), joining the
// caller's when they are called on a transaction's store.
import type { CallbackRow } from '../callbacks.js';
import type { MessageRow } from '../messages.js';
import type { MuteRow, NewMute } from '../mutes.js';
import { queueStats, STATS_SQL, type NewAlertRow, type PendingRow, type RoutePending, type StoreStats } from '../outbox.js';
import { isRetryable, type Sql } from './sql.js';

const PENDING_COLUMNS = `id, received_at AS "receivedAt", resource, action, chat_id AS "chatId", thread_id AS "threadId",
  group_key AS "groupKey", attempts, next_attempt_at AS "nextAttemptAt", route`;

const MESSAGE_COLUMNS = `chat_id AS "chatId", message_id AS "messageId", thread_id AS "threadId", group_key AS "groupKey", kind, count,
  first_seen AS "firstSeen", last_seen AS "lastSeen", alert_id AS "alertId", content, updated_at AS "updatedAt",
  issue_id AS "issueId", status, substatus, assignee, status_line AS "statusLine", changed_by AS "changedBy",
  changed_at AS "changedAt"`;

const CALLBACK_COLUMNS = `key, chat_id AS "chatId", message_id AS "messageId", issue_id AS "issueId", org, created_at AS "createdAt"`;

const MUTE_COLUMNS = `id, chat_id AS "chatId", issue_id AS "issueId", short_id AS "shortId", label, until, created_by AS "createdBy", created_at AS "createdAt"`;

// The mute matches the issue by id, or by short id ignoring case (SQLite: COLLATE NOCASE).
const MUTE_MATCH = `chat_id = $1 AND (($2::text IS NOT NULL AND issue_id = $2) OR ($3::text IS NOT NULL AND lower(short_id) = lower($3)))`;

async function first<R>(p: Promise<{ rows: R[] }>): Promise<R | undefined> {
  return (await p).rows[0];
}

export function pgRepositories(sql: Sql) {
  async function noteAttempt(id: number, outcome: string, detail: string | null, now: number): Promise<void> {
    await sql.query('INSERT INTO attempts (outbox_id, at, outcome, detail) VALUES ($1, $2, $3, $4)', [id, now, outcome, detail]);
  }

  const outbox = {
    /** Commits the rows in one transaction. Returns, per row, its id or `duplicate`. */
    async acceptMany(rows: NewAlertRow[]): Promise<{ id: number | null; duplicate: boolean }[]> {
      // Two batches holding the same keys in opposite orders would deadlock on the unique
      // indexes (each waiting for the other's uncommitted row). So each batch first takes a
      // transaction lock per key, in one global order: a batch sharing keys with another waits
      // for it whole, then finds its rows (duplicates). A deadlock that slips through anyway is
      // run again.
      const keys = rows.flatMap((r) => [r.requestId === null ? [] : [`r:${r.requestId}`], r.dedupKey === null ? [] : [`d:${r.dedupKey}`]].flat());
      for (let tries = 1; ; tries++) {
        try {
          return await sql.tx(async (tx) => {
            if (keys.length > 1) {
              await tx.query(
                `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k) s ORDER BY h`,
                [keys],
              );
            }
            const out: { id: number | null; duplicate: boolean }[] = [];
            for (const r of rows) {
              const res = await tx.query<{ id: number }>(
                `INSERT INTO outbox (received_at, request_id, dedup_key, resource, action, body, chat_id, thread_id, group_key, next_attempt_at, alert, route)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $1, $10, $11)
                 ON CONFLICT DO NOTHING RETURNING id`,
                [r.receivedAt, r.requestId, r.dedupKey, r.resource, r.action, r.body, r.chatId, r.threadId, r.groupKey, r.alert ?? null, r.route ?? null],
              );
              const id = res.rows[0]?.id;
              out.push(id === undefined ? { id: null, duplicate: true } : { id, duplicate: false });
            }
            return out;
          });
        } catch (err) {
          if (!isRetryable(err) || tries >= 3) throw err;
        }
      }
    },
    async dueChats(): Promise<{ chatId: string; dueAt: number }[]> {
      return (
        await sql.query<{ chatId: string; dueAt: number }>(
          `SELECT chat_id AS "chatId", MIN(next_attempt_at) AS "dueAt" FROM outbox WHERE state = 'pending' GROUP BY chat_id ORDER BY chat_id`,
        )
      ).rows;
    },
    /** When the chat's next waiting alert is due, or null when nothing waits. */
    async chatDueAt(chatId: string): Promise<number | null> {
      const row = await first(
        sql.query<{ dueAt: number | null }>(`SELECT MIN(next_attempt_at) AS "dueAt" FROM outbox WHERE state = 'pending' AND chat_id = $1`, [chatId]),
      );
      return row?.dueAt ?? null;
    },
    async pendingFor(chatId: string, now: number, limit: number): Promise<PendingRow[]> {
      return (
        await sql.query<PendingRow>(
          `SELECT ${PENDING_COLUMNS} FROM outbox WHERE state = 'pending' AND chat_id = $1 AND next_attempt_at <= $2 ORDER BY id LIMIT $3`,
          [chatId, now, limit],
        )
      ).rows;
    },
    async body(id: number): Promise<Buffer | null> {
      return (await first(sql.query<{ body: Buffer }>('SELECT body FROM outbox WHERE id = $1', [id])))?.body ?? null;
    },
    async content(id: number): Promise<{ body: Buffer; alert: string | null } | null> {
      return (await first(sql.query<{ body: Buffer; alert: string | null }>('SELECT body, alert FROM outbox WHERE id = $1', [id]))) ?? null;
    },
    async contents(ids: readonly number[]): Promise<Map<number, { body: Buffer | null; alert: string | null }>> {
      const out = new Map<number, { body: Buffer | null; alert: string | null }>();
      if (ids.length === 0) return out;
      const res = await sql.query<{ id: number; body: Buffer | null; alert: string | null }>(
        // The body only where no normalised alert was stored with it (as on SQLite).
        `SELECT id, CASE WHEN alert IS NULL THEN body END AS body, alert FROM outbox WHERE id = ANY($1::bigint[])`,
        [[...ids]],
      );
      for (const r of res.rows) out.set(r.id, { body: r.body, alert: r.alert });
      return out;
    },
    async finish(ids: number[], state: 'sent' | 'merged' | 'muted', messageId: number | null, now: number): Promise<void> {
      if (ids.length === 0) return;
      await sql.tx(async (tx) => {
        await tx.query(
          `UPDATE outbox SET state = $2, message_id = $3, done_at = $4, last_error = NULL, claimed_by = NULL, claim_until = NULL
           WHERE id = ANY($1::bigint[]) AND state = 'pending'`,
          [ids, state, messageId, now],
        );
        const more = ids.length > 1 ? ` with ${ids.length - 1} more` : '';
        await pgRepositories(tx).noteAttempt(ids[0]!, state, `message ${messageId ?? '-'}${more}`, now);
      });
    },
    /** Also gives up any claim (claimDue): the rows are free for whichever replica is due first. */
    async retryLater(ids: number[], at: number, error: string, now: number): Promise<void> {
      if (ids.length === 0) return;
      await sql.tx(async (tx) => {
        await tx.query(
          `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, claimed_by = NULL, claim_until = NULL
           WHERE id = ANY($1::bigint[])`,
          [ids, at, error],
        );
        await pgRepositories(tx).noteAttempt(ids[0]!, 'retry', ids.length > 1 ? `${error} (${ids.length} alerts)` : error, now);
      });
    },
    async park(ids: number[], reason: string, now: number): Promise<void> {
      if (ids.length === 0) return;
      await sql.tx(async (tx) => {
        await tx.query(
          `UPDATE outbox SET state = 'parked', last_error = $2, done_at = $3, claimed_by = NULL, claim_until = NULL
           WHERE id = ANY($1::bigint[]) AND state = 'pending'`,
          [ids, reason, now],
        );
        await pgRepositories(tx).noteAttempt(ids[0]!, 'parked', ids.length > 1 ? `${reason} (${ids.length} alerts)` : reason, now);
      });
    },
    noteAttempt,
    /** The forum topic is gone: everything waiting for it goes to the General topic. */
    async dropThread(chatId: string, threadId: number): Promise<void> {
      // A copy of the same alert may already wait for the General topic (routes: the unique keys
      // are per chat and topic); that one is posted, this one is settled as merged.
      await sql.tx(async (tx) => {
        await tx.query(
          `UPDATE outbox o SET state = 'merged', done_at = sentry_tg_now_ms(), last_error = 'already waiting for the General topic'
           WHERE o.chat_id = $1 AND o.thread_id = $2 AND o.state = 'pending' AND EXISTS (
             SELECT 1 FROM outbox d WHERE d.chat_id = $1 AND d.thread_id IS NULL AND d.id <> o.id
               AND ((o.request_id IS NOT NULL AND d.request_id = o.request_id) OR (o.dedup_key IS NOT NULL AND d.dedup_key = o.dedup_key)))`,
          [chatId, threadId],
        );
        await tx.query(`UPDATE outbox SET thread_id = NULL WHERE chat_id = $1 AND thread_id = $2 AND state = 'pending'`, [chatId, threadId]);
      });
    },
    async mutedSince(chatId: string, groupKey: string, since: number): Promise<number> {
      const row = await first(
        sql.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM outbox WHERE state = 'muted' AND chat_id = $1 AND group_key = $2 AND done_at >= $3`,
          [chatId, groupKey, since],
        ),
      );
      return row?.n ?? 0;
    },
    async row(id: number) {
      return first(
        sql.query<{ id: number; state: string; messageId: number | null; chatId: string; lastError: string | null; route: string | null }>(
          `SELECT id, state, message_id AS "messageId", chat_id AS "chatId", last_error AS "lastError", route FROM outbox WHERE id = $1`,
          [id],
        ),
      );
    },
    async stats(): Promise<StoreStats> {
      // The same reads as on SQLite (STATS_SQL): indexes only, never every delivered row.
      const [held, byRoute, parked, delivered] = await Promise.all([
        sql.query<{ state: string; n: number }>(STATS_SQL.heldCount),
        sql.query<RoutePending>(STATS_SQL.pendingByRoute),
        first(sql.query<{ at: number; reason: string }>(STATS_SQL.lastParked)),
        first(sql.query<{ at: number }>(STATS_SQL.lastDelivered)),
      ]);
      return queueStats(held.rows, byRoute.rows, parked, delivered);
    },
    async recentFailures(since: number, limit = 20) {
      return (
        await sql.query<{ alertId: number; at: number; outcome: string; detail: string | null }>(
          `SELECT outbox_id AS "alertId", at, outcome, detail FROM attempts
           WHERE outcome NOT IN ('sent', 'edited', 'merged', 'muted') AND at >= $1 ORDER BY at DESC LIMIT $2`,
          [since, limit],
        )
      ).rows;
    },
  };

  const messages = {
    // The newest message of the group: Telegram message ids only grow within a chat.
    async messageForGroup(groupKey: string, chatId: string): Promise<MessageRow | null> {
      return (
        (await first(
          sql.query<MessageRow>(
            `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE group_key = $1 AND chat_id = $2 ORDER BY message_id DESC LIMIT 1`,
            [groupKey, chatId],
          ),
        )) ?? null
      );
    },
    async message(chatId: string, messageId: number): Promise<MessageRow | null> {
      return (
        (await first(sql.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 AND message_id = $2`, [chatId, messageId]))) ??
        null
      );
    },
    async saveMessage(m: MessageRow): Promise<void> {
      await sql.query(
        `INSERT INTO messages (chat_id, message_id, thread_id, group_key, kind, count, first_seen, last_seen, alert_id, content, updated_at,
                               issue_id, status, substatus, assignee, status_line, changed_by, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (chat_id, message_id) DO UPDATE SET count = excluded.count, last_seen = excluded.last_seen,
           content = excluded.content, updated_at = excluded.updated_at, group_key = excluded.group_key,
           issue_id = excluded.issue_id, status = excluded.status, substatus = excluded.substatus, assignee = excluded.assignee,
           status_line = excluded.status_line, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
        [
          m.chatId, m.messageId, m.threadId, m.groupKey, m.kind, m.count, m.firstSeen, m.lastSeen, m.alertId, m.content, m.updatedAt,
          m.issueId, m.status, m.substatus, m.assignee, m.statusLine, m.changedBy, m.changedAt,
        ],
      );
    },
    async forgetMessage(chatId: string, messageId: number): Promise<void> {
      await sql.query('DELETE FROM messages WHERE chat_id = $1 AND message_id = $2', [chatId, messageId]);
    },
    /** The Sentry issue id behind a short id such as FRONT-END-9, from messages sent to the chat. */
    async issueForShortId(chatId: string, shortId: string): Promise<string | null> {
      const row = await first(
        sql.query<{ issueId: string }>(
          `SELECT issue_id AS "issueId" FROM messages
           WHERE chat_id = $1 AND issue_id IS NOT NULL AND lower(sentry_tg_jsonb(content) -> 'alert' ->> 'shortId') = lower($2)
           ORDER BY message_id DESC LIMIT 1`,
          [chatId, shortId],
        ),
      );
      return row?.issueId ?? null;
    },
    async digestFor(chatId: string, groupKey: string): Promise<number | null> {
      const row = await first(
        sql.query<{ messageId: number }>(`SELECT message_id AS "messageId" FROM digest_entries WHERE chat_id = $1 AND group_key = $2`, [
          chatId,
          groupKey,
        ]),
      );
      return row?.messageId ?? null;
    },
    async saveDigestEntries(chatId: string, groupKeys: string[], messageId: number): Promise<void> {
      if (groupKeys.length === 0) return;
      await sql.query(
        `INSERT INTO digest_entries (chat_id, group_key, message_id) SELECT $1, k, $3 FROM unnest($2::text[]) AS k
         ON CONFLICT (chat_id, group_key) DO UPDATE SET message_id = excluded.message_id`,
        [chatId, [...new Set(groupKeys)], messageId],
      );
    },
  };

  const callbacks = {
    async saveCallback(c: CallbackRow): Promise<void> {
      await sql.query(
        `INSERT INTO callbacks (key, chat_id, message_id, issue_id, org, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO UPDATE SET chat_id = excluded.chat_id, message_id = excluded.message_id`,
        [c.key, c.chatId, c.messageId, c.issueId, c.org, c.createdAt],
      );
    },
    async callback(key: string): Promise<CallbackRow | null> {
      return (await first(sql.query<CallbackRow>(`SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE key = $1`, [key]))) ?? null;
    },
    /** The key of the buttons on this message, if it carries any. */
    async callbackFor(chatId: string, messageId: number): Promise<CallbackRow | null> {
      return (
        (await first(
          sql.query<CallbackRow>(
            `SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE chat_id = $1 AND message_id = $2 ORDER BY created_at DESC LIMIT 1`,
            [chatId, messageId],
          ),
        )) ?? null
      );
    },
    async dropCallbacks(chatId: string, messageId: number): Promise<void> {
      await sql.query('DELETE FROM callbacks WHERE chat_id = $1 AND message_id = $2', [chatId, messageId]);
    },
  };

  const mutes = {
    /** Replaces any mute of the same issue in the chat. */
    async addMute(m: NewMute): Promise<void> {
      await sql.tx(async (tx) => {
        await tx.query(`DELETE FROM mutes WHERE ${MUTE_MATCH}`, [m.chatId, m.issueId, m.shortId]);
        await tx.query(
          `INSERT INTO mutes (chat_id, issue_id, short_id, label, until, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [m.chatId, m.issueId, m.shortId, m.label, m.until, m.createdBy, m.createdAt],
        );
      });
    },
    /** Returns how many mutes were removed. */
    async removeMutes(chatId: string, issueId: string | null, shortId: string | null): Promise<number> {
      return (await sql.query(`DELETE FROM mutes WHERE ${MUTE_MATCH}`, [chatId, issueId, shortId])).rowCount ?? 0;
    },
    async activeMute(chatId: string, issueId: string | null, shortId: string | null, now: number): Promise<MuteRow | null> {
      if (issueId === null && shortId === null) return null;
      return (
        (await first(
          sql.query<MuteRow>(`SELECT ${MUTE_COLUMNS} FROM mutes WHERE ${MUTE_MATCH} AND until > $4 ORDER BY until DESC LIMIT 1`, [
            chatId,
            issueId,
            shortId,
            now,
          ]),
        )) ?? null
      );
    },
    async activeMutes(now: number): Promise<MuteRow[]> {
      return (await sql.query<MuteRow>(`SELECT ${MUTE_COLUMNS} FROM mutes WHERE until > $1 ORDER BY until`, [now])).rows;
    },
  };

  const chats = {
    async migratedTo(chatId: string): Promise<string | null> {
      const row = await first(sql.query<{ newChatId: string }>(`SELECT new_chat_id AS "newChatId" FROM chat_migrations WHERE old_chat_id = $1`, [chatId]));
      return row?.newChatId ?? null;
    },
    async kvGet(key: string): Promise<string | null> {
      return (await first(sql.query<{ value: string }>('SELECT value FROM kv WHERE key = $1', [key])))?.value ?? null;
    },
    async kvSet(key: string, value: string): Promise<void> {
      await sql.query('INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
  };

  const combined = {
    /** The chat became a supergroup: remember it and move everything still waiting. */
    async migrateChat(from: string, to: string, now: number): Promise<void> {
      await sql.tx(async (tx) => {
        await tx.query(
          `INSERT INTO chat_migrations (old_chat_id, new_chat_id, at) VALUES ($1, $2, $3)
           ON CONFLICT (old_chat_id) DO UPDATE SET new_chat_id = excluded.new_chat_id, at = excluded.at`,
          [from, to, now],
        );
        // A copy of the same alert may already wait for the new chat (routes): settled as merged.
        await tx.query(
          `UPDATE outbox o SET state = 'merged', done_at = sentry_tg_now_ms(), last_error = 'already waiting for ' || $2
           WHERE o.chat_id = $1 AND o.state = 'pending' AND EXISTS (
             SELECT 1 FROM outbox d WHERE d.chat_id = $2 AND coalesce(d.thread_id, 0) = coalesce(o.thread_id, 0)
               AND ((o.request_id IS NOT NULL AND d.request_id = o.request_id) OR (o.dedup_key IS NOT NULL AND d.dedup_key = o.dedup_key)))`,
          [from, to],
        );
        await tx.query(`UPDATE outbox SET chat_id = $2 WHERE chat_id = $1 AND state = 'pending'`, [from, to]);
      });
    },
    /** The message was deleted and sent anew: the new one takes its place, state and buttons. */
    async replaceMessage(old: { chatId: string; messageId: number }, next: MessageRow): Promise<void> {
      await sql.tx(async (tx) => {
        const repos = pgRepositories(tx);
        await repos.forgetMessage(old.chatId, old.messageId);
        await repos.saveMessage(next);
        await tx.query('UPDATE callbacks SET message_id = $3 WHERE chat_id = $1 AND message_id = $2', [old.chatId, old.messageId, next.messageId]);
      });
    },
    /** Deletes delivered rows and old bookkeeping; parked and pending rows are kept for a human. */
    async prune(olderThan: number): Promise<number> {
      return sql.tx(async (tx) => {
        const deleted = await tx.query(`DELETE FROM outbox WHERE state IN ('sent', 'merged', 'muted') AND done_at < $1`, [olderThan]);
        await tx.query('DELETE FROM attempts WHERE at < $1', [olderThan]);
        await tx.query('DELETE FROM messages WHERE updated_at < $1', [olderThan]);
        await tx.query(
          `DELETE FROM digest_entries d WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = d.chat_id AND m.message_id = d.message_id)`,
        );
        await tx.query(
          `DELETE FROM callbacks c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.chat_id AND m.message_id = c.message_id)`,
        );
        await tx.query('DELETE FROM mutes WHERE until < $1', [olderThan]);
        return deleted.rowCount ?? 0;
      });
    },
  };

  return { ...outbox, ...messages, ...callbacks, ...mutes, ...chats, ...combined };
}
