// The outbox: every accepted alert, its exact body, and where it stands (pending, sent, merged
// into another alert's message, muted, or parked for a human), with the attempts log beside it.
import { transactional, type Db } from './db.js';

export interface NewAlertRow {
  receivedAt: number;
  requestId: string | null;
  dedupKey: string | null;
  resource: string;
  action: string;
  body: Buffer;
  chatId: string;
  threadId: number | null;
  groupKey: string | null;
  /** The normalised alert as JSON, read back by delivery; null leaves delivery to normalise the body. */
  alert?: string | null;
  /** The route that chose this target (`default` for the default chat); null without a routes file. */
  route?: string | null;
}

/** A waiting alert without its body (bodies are read only for the rows being rendered). */
export interface PendingRow {
  id: number;
  receivedAt: number;
  resource: string;
  action: string;
  chatId: string;
  threadId: number | null;
  groupKey: string | null;
  attempts: number;
  nextAttemptAt: number;
  /** The route that chose this target; null for rows from before routes (schema 4). */
  route: string | null;
}

export interface StoreStats {
  pending: number;
  parked: number;
  lastParked: { at: number; reason: string } | null;
  lastDeliveredAt: number | null;
  oldestPendingAt: number | null;
  /** Alerts not posted because their issue was muted in their chat. */
  muted: number;
  /** The waiting rows by the route that chose their target (null: rows from before routes), by route name. */
  pendingByRoute: RoutePending[];
}

export interface RoutePending {
  route: string | null;
  pending: number;
  oldestPendingAt: number;
}

/**
 * The queue figures (/health, /status, metrics) read only indexes: the pending rows
 * (outbox_queue, covering), the parked and muted ones (outbox_held), and the newest delivered one
 * (outbox_done). Never every row: delivered rows pile up for the retention period, and the
 * figures are read again while webhooks are being committed.
 * The terms that look redundant are not: SQLite uses a partial index only when the query's WHERE
 * repeats the index's own (`state IN ('parked', 'muted')`, `state <> 'pending'`).
 */
export const STATS_SQL = {
  heldCount: `SELECT state, COUNT(*) AS n FROM outbox WHERE state IN ('parked', 'muted') GROUP BY state`,
  pendingByRoute: `SELECT route, COUNT(*) AS pending, MIN(received_at) AS "oldestPendingAt" FROM outbox WHERE state = 'pending' GROUP BY route ORDER BY COALESCE(route, '')`,
  lastParked: `SELECT done_at AS at, last_error AS reason FROM outbox WHERE state IN ('parked', 'muted') AND state = 'parked' ORDER BY done_at DESC LIMIT 1`,
  lastDelivered: `SELECT done_at AS at FROM outbox WHERE state <> 'pending' AND state IN ('sent', 'merged') ORDER BY done_at DESC LIMIT 1`,
} as const;

/**
 * A chat's oldest due rows. `+next_attempt_at` is not a key for outbox_due, so SQLite walks
 * outbox_queue in id order and stops at the batch, instead of sorting every due row of a backlog.
 */
export const PENDING_FOR_SQL = `SELECT id, received_at AS receivedAt, resource, action, chat_id AS chatId, thread_id AS threadId,
       group_key AS groupKey, attempts, next_attempt_at AS nextAttemptAt, route
  FROM outbox WHERE state = 'pending' AND chat_id = ? AND +next_attempt_at <= ? ORDER BY id LIMIT ?`;

/**
 * The figures from the STATS_SQL reads (both backends): the totals of waiting rows come from
 * the per-route ones, one pass over the waiting rows' index instead of two.
 */
export function queueStats(
  held: readonly { state: string; n: number }[],
  byRoute: RoutePending[],
  lastParked: { at: number; reason: string } | undefined,
  lastDelivered: { at: number } | undefined,
): StoreStats {
  const count = (s: string) => held.find((r) => r.state === s)?.n ?? 0;
  const oldest = byRoute.reduce<number | null>((min, r) => (min === null || r.oldestPendingAt < min ? r.oldestPendingAt : min), null);
  return {
    pending: byRoute.reduce((sum, r) => sum + r.pending, 0),
    parked: count('parked'),
    lastParked: lastParked ?? null,
    lastDeliveredAt: lastDelivered?.at ?? null,
    oldestPendingAt: oldest,
    muted: count('muted'),
    pendingByRoute: byRoute,
  };
}

export function outboxRepository(db: Db) {
  const q = {
    insert: db.prepare(
      `INSERT OR IGNORE INTO outbox (received_at, request_id, dedup_key, resource, action, body, chat_id, thread_id, group_key, next_attempt_at, alert, route)
       VALUES (@receivedAt, @requestId, @dedupKey, @resource, @action, @body, @chatId, @threadId, @groupKey, @receivedAt, @alert, @route)`,
    ),
    dueChats: db.prepare(
      `SELECT chat_id AS chatId, MIN(next_attempt_at) AS dueAt FROM outbox WHERE state = 'pending' GROUP BY chat_id`,
    ),
    chatDueAt: db.prepare(`SELECT MIN(next_attempt_at) AS dueAt FROM outbox WHERE state = 'pending' AND chat_id = ?`),
    body: db.prepare(`SELECT body FROM outbox WHERE id = ?`),
    content: db.prepare(`SELECT body, alert FROM outbox WHERE id = ?`),
    // The body only where no normalised alert was stored with it (rows from before schema 4).
    contents: db.prepare(
      `SELECT id, CASE WHEN alert IS NULL THEN body END AS body, alert FROM outbox WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    pendingFor: db.prepare(PENDING_FOR_SQL),
    finish: db.prepare(
      `UPDATE outbox SET state = @state, message_id = @messageId, done_at = @now, last_error = NULL
       WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'pending'`,
    ),
    retry: db.prepare(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @at, last_error = @error
       WHERE id IN (SELECT value FROM json_each(@ids))`,
    ),
    park: db.prepare(
      `UPDATE outbox SET state = 'parked', last_error = @reason, done_at = @now
       WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'pending'`,
    ),
    // OR IGNORE, then `merged`: with routes, the same alert may already wait for the place it
    // moves to (the unique keys are per chat and topic); it is posted there once.
    moveChat: db.prepare(`UPDATE OR IGNORE outbox SET chat_id = @to WHERE chat_id = @from AND state = 'pending'`),
    dropThread: db.prepare(`UPDATE OR IGNORE outbox SET thread_id = NULL WHERE chat_id = @chatId AND thread_id = @threadId AND state = 'pending'`),
    settleLeftInChat: db.prepare(
      `UPDATE outbox SET state = 'merged', done_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000, last_error = 'already waiting for ' || @to
       WHERE chat_id = @from AND state = 'pending'`,
    ),
    settleLeftInThread: db.prepare(
      `UPDATE outbox SET state = 'merged', done_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000, last_error = 'already waiting for the General topic'
       WHERE chat_id = @chatId AND thread_id = @threadId AND state = 'pending'`,
    ),
    attempt: db.prepare(`INSERT INTO attempts (outbox_id, at, outcome, detail) VALUES (?, ?, ?, ?)`),
    mutedSince: db.prepare(
      `SELECT COUNT(*) AS n FROM outbox WHERE state = 'muted' AND chat_id = ? AND group_key = ? AND done_at >= ?`,
    ),
    heldCount: db.prepare(STATS_SQL.heldCount),
    pendingByRoute: db.prepare(STATS_SQL.pendingByRoute),
    lastParked: db.prepare(STATS_SQL.lastParked),
    lastDelivered: db.prepare(STATS_SQL.lastDelivered),
    recentFailures: db.prepare(
      `SELECT outbox_id AS alertId, at, outcome, detail FROM attempts WHERE outcome NOT IN ('sent', 'edited', 'merged', 'muted') AND at >= ? ORDER BY at DESC LIMIT ?`,
    ),
    row: db.prepare(`SELECT id, state, message_id AS messageId, chat_id AS chatId, last_error AS lastError, route FROM outbox WHERE id = ?`),
    // `state <> 'pending'` lets SQLite use the partial index outbox_done instead of scanning every row.
    prune: db.prepare(`DELETE FROM outbox WHERE state <> 'pending' AND state IN ('sent', 'merged', 'muted') AND done_at < ?`),
    pruneAttempts: db.prepare(`DELETE FROM attempts WHERE at < ?`),
  };

  return {
    /** Commits the rows in one transaction (one fsync). Returns, per row, its id or `duplicate`. */
    acceptMany: transactional(db, (rows: NewAlertRow[]): { id: number | null; duplicate: boolean }[] =>
      rows.map((r) => {
        const res = q.insert.run({ ...r, alert: r.alert ?? null, route: r.route ?? null });
        return res.changes === 1 ? { id: Number(res.lastInsertRowid), duplicate: false } : { id: null, duplicate: true };
      }),
    ),
    dueChats(): { chatId: string; dueAt: number }[] {
      return q.dueChats.all() as { chatId: string; dueAt: number }[];
    },
    /** When the chat's next waiting alert is due, or null when nothing waits. */
    chatDueAt(chatId: string): number | null {
      return (q.chatDueAt.get(chatId) as { dueAt: number | null }).dueAt;
    },
    pendingFor(chatId: string, now: number, limit: number): PendingRow[] {
      return q.pendingFor.all(chatId, now, limit) as PendingRow[];
    },
    body(id: number): Buffer | null {
      return (q.body.get(id) as { body: Buffer } | undefined)?.body ?? null;
    },
    /** What delivery reads of a row: the normalised alert (JSON) when stored with it, else the body. */
    content(id: number): { body: Buffer; alert: string | null } | null {
      return (q.content.get(id) as { body: Buffer; alert: string | null } | undefined) ?? null;
    },
    /**
     * `content` of many rows in one query, by id; ids not in the outbox are absent from the map.
     * `body` is null where the normalised alert is there to read instead.
     */
    contents(ids: readonly number[]): Map<number, { body: Buffer | null; alert: string | null }> {
      const out = new Map<number, { body: Buffer | null; alert: string | null }>();
      if (ids.length === 0) return out;
      for (const r of q.contents.all(JSON.stringify(ids)) as { id: number; body: Buffer | null; alert: string | null }[]) {
        out.set(r.id, { body: r.body, alert: r.alert });
      }
      return out;
    },
    /**
     * Marks rows delivered (`sent`) or reflected in another alert's message (`merged`), in one
     * statement; one attempt row records the Telegram call that carried them all.
     */
    finish: transactional(db, (ids: number[], state: 'sent' | 'merged' | 'muted', messageId: number | null, now: number) => {
      if (ids.length === 0) return;
      q.finish.run({ ids: JSON.stringify(ids), state, messageId, now });
      const more = ids.length > 1 ? ` with ${ids.length - 1} more` : '';
      q.attempt.run(ids[0], now, state, `message ${messageId ?? '-'}${more}`);
    }),
    retryLater: transactional(db, (ids: number[], at: number, error: string, now: number) => {
      if (ids.length === 0) return;
      q.retry.run({ ids: JSON.stringify(ids), at, error });
      q.attempt.run(ids[0], now, 'retry', ids.length > 1 ? `${error} (${ids.length} alerts)` : error);
    }),
    park: transactional(db, (ids: number[], reason: string, now: number) => {
      if (ids.length === 0) return;
      q.park.run({ ids: JSON.stringify(ids), reason, now });
      q.attempt.run(ids[0], now, 'parked', ids.length > 1 ? `${reason} (${ids.length} alerts)` : reason);
    }),
    noteAttempt(id: number, outcome: string, detail: string | null, now: number): void {
      q.attempt.run(id, now, outcome, detail);
    },
    /** Everything still waiting for `from` goes to `to` (see chats.ts for the record of it). */
    moveChat: transactional(db, (from: string, to: string): void => {
      q.moveChat.run({ from, to });
      q.settleLeftInChat.run({ from, to });
    }),
    /** The forum topic is gone: everything waiting for it goes to the General topic. */
    dropThread: transactional(db, (chatId: string, threadId: number): void => {
      q.dropThread.run({ chatId, threadId });
      q.settleLeftInThread.run({ chatId, threadId });
    }),
    mutedSince(chatId: string, groupKey: string, since: number): number {
      return (q.mutedSince.get(chatId, groupKey, since) as { n: number }).n;
    },
    row(id: number) {
      return q.row.get(id) as
        | { id: number; state: string; messageId: number | null; chatId: string; lastError: string | null; route: string | null }
        | undefined;
    },
    stats(): StoreStats {
      return queueStats(
        q.heldCount.all() as { state: string; n: number }[],
        q.pendingByRoute.all() as RoutePending[],
        q.lastParked.get() as { at: number; reason: string } | undefined,
        q.lastDelivered.get() as { at: number } | undefined,
      );
    },
    recentFailures(since: number, limit = 20) {
      return q.recentFailures.all(since, limit) as { alertId: number; at: number; outcome: string; detail: string | null }[];
    },
    /** Deletes delivered rows and old attempts; parked and pending rows are kept for a human. */
    prune(olderThan: number): number {
      const deleted = q.prune.run(olderThan).changes;
      q.pruneAttempts.run(olderThan);
      return deleted;
    },
  };
}
