// A read-only view of the receiver's database for `doctor`: opened without creating, migrating
// or writing anything, so a running `serve` (or a database from a newer version) is never
// disturbed. It lives here because src/store/ is the only place that knows the schema.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

const DAY_MS = 24 * 60 * 60_000;
// The receiver's retention: messages older than this are pruned, so older evidence is gone anyway.
const TOPIC_EVIDENCE_MS = 7 * DAY_MS;

export interface DeliverySummary {
  parked: number;
  lastParked: { at: number; reason: string } | null;
  lastDeliveredAt: number | null;
  pending: number;
  oldestPendingAt: number | null;
  /** Attempts that failed and were retried, in the last 24 h. */
  retries: number;
  lastRetry: { at: number; detail: string | null } | null;
}

export interface StoreReport {
  path: string;
  /** When an alert last went to this topic (ms), within the retention window. */
  lastDeliveredToTopic(chatId: string, topicId: number): number | null;
  summary(): DeliverySummary;
  close(): void;
}

/** Null when there is no database yet; throws when one exists but cannot be read. */
export function openStoreReport(path: string, now: () => number): StoreReport | null {
  if (!existsSync(path)) return null;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 2000');
  const one = <T>(sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) as T | undefined;
  // A database not yet opened by this version (schema < 3) still calls the outbox `inbox`:
  // doctor reads it as it is rather than migrating it.
  const outbox = one<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outbox'") ? 'outbox' : 'inbox';
  return {
    path,
    lastDeliveredToTopic(chatId, topicId) {
      const row = one<{ at: number | null }>(
        'SELECT MAX(updated_at) AS at FROM messages WHERE chat_id = ? AND thread_id = ? AND updated_at >= ?',
        chatId,
        topicId,
        now() - TOPIC_EVIDENCE_MS,
      );
      return row?.at ?? null;
    },
    summary() {
      const count = (state: string) =>
        one<{ n: number; oldest: number | null }>(`SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM ${outbox} WHERE state = ?`, state)!;
      const parked = count('parked');
      const pending = count('pending');
      const since = now() - DAY_MS;
      const retries = one<{ n: number }>("SELECT COUNT(*) AS n FROM attempts WHERE outcome = 'retry' AND at >= ?", since)!;
      return {
        parked: parked.n,
        lastParked:
          one<{ at: number; reason: string }>(
            `SELECT done_at AS at, last_error AS reason FROM ${outbox} WHERE state = 'parked' ORDER BY done_at DESC LIMIT 1`,
          ) ?? null,
        lastDeliveredAt: one<{ at: number | null }>(`SELECT MAX(done_at) AS at FROM ${outbox} WHERE state IN ('sent', 'merged')`)?.at ?? null,
        pending: pending.n,
        oldestPendingAt: pending.oldest,
        retries: retries.n,
        lastRetry:
          one<{ at: number; detail: string | null }>(
            "SELECT at, detail FROM attempts WHERE outcome = 'retry' AND at >= ? ORDER BY at DESC LIMIT 1",
            since,
          ) ?? null,
      };
    },
    close: () => db.close(),
  };
}

