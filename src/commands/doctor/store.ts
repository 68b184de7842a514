// What the receiver's database says about recent deliveries. Doctor only looks: the file is
// opened read-only and never created, and nothing is migrated, so a running `serve` (or a
// database from a newer version) is never disturbed.
//
// This is the one place outside src/store/ that reads the schema; it needs a read-only
// connection, which openStore (it creates, migrates and sets pragmas) does not offer.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { checker, messageOf, type CheckResult } from './check.js';

const DB_FILE = 'sentry-tg.db';
const DAY_MS = 24 * 60 * 60_000;
// The receiver's retention: messages older than this are pruned, so older evidence is gone anyway.
const TOPIC_EVIDENCE_MS = 7 * DAY_MS;
// Alerts normally leave the outbox within seconds; this long means delivery is stuck.
const STUCK_PENDING_MS = 5 * 60_000;

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
  lastDeliveredToTopic(chatId: string, topicId: number): string | null;
  summary(): DeliverySummary;
  close(): void;
}

export function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function databasePath(dataDir: string, cwd: string): string {
  return join(isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir), DB_FILE);
}

/** Null when there is no database yet; throws when one exists but cannot be read. */
export function openStoreReport(path: string, now: () => number): StoreReport | null {
  if (!existsSync(path)) return null;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 2000');
  const one = <T>(sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) as T | undefined;
  return {
    path,
    lastDeliveredToTopic(chatId, topicId) {
      const row = one<{ at: number | null }>(
        'SELECT MAX(updated_at) AS at FROM messages WHERE chat_id = ? AND thread_id = ? AND updated_at >= ?',
        chatId,
        topicId,
        now() - TOPIC_EVIDENCE_MS,
      );
      return row?.at ? when(row.at) : null;
    },
    summary() {
      const count = (state: string) =>
        one<{ n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM inbox WHERE state = ?', state)!;
      const parked = count('parked');
      const pending = count('pending');
      const since = now() - DAY_MS;
      const retries = one<{ n: number }>("SELECT COUNT(*) AS n FROM attempts WHERE outcome = 'retry' AND at >= ?", since)!;
      return {
        parked: parked.n,
        lastParked:
          one<{ at: number; reason: string }>(
            "SELECT done_at AS at, last_error AS reason FROM inbox WHERE state = 'parked' ORDER BY done_at DESC LIMIT 1",
          ) ?? null,
        lastDeliveredAt: one<{ at: number | null }>("SELECT MAX(done_at) AS at FROM inbox WHERE state IN ('sent', 'merged')")?.at ?? null,
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

const RANK = { ok: 0, skip: 0, warn: 1, fail: 2 } as const;

export function checkDeliveries(
  store: StoreReport | null,
  opened: { path: string; error?: unknown },
  now: number,
): CheckResult {
  const c = checker('deliveries', 'Recent deliveries');
  if (opened.error !== undefined) return c.warn(`cannot read ${opened.path}: ${messageOf(opened.error)}`, 'Check SENTRY_TG_DATA_DIR and its permissions');
  if (store === null) return c.skip(`no database at ${opened.path} yet (sentry-tg serve creates it)`);
  let s: DeliverySummary;
  try {
    s = store.summary();
  } catch (err) {
    return c.warn(`cannot read ${opened.path}: ${messageOf(err)}`, 'Is it a sentry-tg database? Check SENTRY_TG_DATA_DIR');
  }

  const found: { status: 'warn' | 'fail'; detail: string; fix: string }[] = [];
  if (s.parked > 0 && s.lastParked) {
    const last = `last at ${when(s.lastParked.at)}: ${s.lastParked.reason}`;
    const recovered = s.lastDeliveredAt !== null && s.lastDeliveredAt > s.lastParked.at;
    found.push(
      recovered
        ? {
            status: 'warn',
            detail: `${s.parked} alert(s) could not be delivered (${last}); deliveries have worked since (${when(s.lastDeliveredAt!)})`,
            fix: 'Nothing to do unless the reason above repeats; the alerts stay in the database for a look',
          }
        : {
            status: 'fail',
            detail: `${s.parked} alert(s) could not be delivered and none has been delivered since (${last})`,
            fix: 'Fix the cause named above, then `sentry-tg test-send` to confirm; this turns ok with the next delivered alert',
          },
    );
  }
  if (s.pending > 0 && s.oldestPendingAt !== null && now - s.oldestPendingAt > STUCK_PENDING_MS) {
    found.push({
      status: 'warn',
      detail: `${s.pending} alert(s) waiting for delivery since ${when(s.oldestPendingAt)}`,
      fix: 'Is `sentry-tg serve` running? It delivers them once Telegram accepts them (see the checks above)',
    });
  }
  if (s.retries > 0) {
    found.push({
      status: 'warn',
      detail: `${s.retries} delivery attempt(s) failed and were retried in the last 24 h (last: ${s.lastRetry?.detail ?? 'no detail'})`,
      fix: 'Usually a network blip; if it keeps happening, check the network and TELEGRAM_API_ROOT',
    });
  }
  if (found.length === 0) {
    return c.ok(
      s.lastDeliveredAt === null
        ? 'no alerts delivered yet, and no failures'
        : `no failures; last delivery ${when(s.lastDeliveredAt)}`,
    );
  }
  found.sort((a, b) => RANK[b.status] - RANK[a.status]);
  const worst = found[0]!;
  const detail = found.map((f) => f.detail).join('; ');
  return worst.status === 'fail' ? c.fail(detail, worst.fix) : c.warn(detail, worst.fix);
}
