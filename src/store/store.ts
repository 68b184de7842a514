// The only module that speaks SQL. Everything durable lives here: the outbox, the map from a
// Sentry issue to its Telegram message, chat migrations, delivery attempts.
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

/**
 * `full`: the write-ahead log is fsynced before a webhook is answered (`durable()`), so an
 * accepted alert survives a power cut. `normal`: survives a killed process, but a power cut
 * may lose the last commits.
 */
export type FsyncMode = 'full' | 'normal';

export interface StoreOptions {
  dataDir: string;
  fsync?: FsyncMode;
  /** `:memory:` for tests that do not care about files. */
  filename?: string;
  /** The fsync of the write-ahead log (node:fs fdatasync); tests hold or fail it. */
  fdatasync?: FdatasyncFn;
}

export type FdatasyncFn = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;

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
}

export interface MessageRow {
  chatId: string;
  messageId: number;
  threadId: number | null;
  groupKey: string | null;
  kind: 'alert' | 'digest';
  count: number;
  firstSeen: number;
  lastSeen: number;
  alertId: number | null;
  content: string | null;
  updatedAt: number;
  /** The Sentry issue this message is about (null for digests and other alerts). */
  issueId: string | null;
  /** Issue state shown on the message: unresolved | resolved | ignored (null: not tracked). */
  status: string | null;
  substatus: string | null;
  assignee: string | null;
  /** The line saying what last happened, e.g. "✅ Resolved by @jane · 14:02 UTC". */
  statusLine: string | null;
  changedBy: string | null;
  changedAt: number | null;
}

/** What a button's short key in callback_data stands for. */
export interface CallbackRow {
  key: string;
  chatId: string;
  messageId: number;
  issueId: string;
  org: string;
  createdAt: number;
}

export interface NewMute {
  chatId: string;
  issueId: string | null;
  shortId: string | null;
  label: string;
  until: number;
  createdBy: string | null;
  createdAt: number;
}

export type MuteRow = NewMute & { id: number };

export interface StoreStats {
  pending: number;
  parked: number;
  lastParked: { at: number; reason: string } | null;
  lastDeliveredAt: number | null;
  oldestPendingAt: number | null;
  /** Alerts not posted because their issue was muted in their chat. */
  muted: number;
}

export type Store = ReturnType<typeof openStore>;

const DB_FILE = 'sentry-tg.db';

/** Where the database of a data directory lives (relative directories resolve against `cwd`). */
export function databasePath(dataDir: string, cwd: string = process.cwd()): string {
  return join(isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir), DB_FILE);
}

export function openStore(opts: StoreOptions) {
  let filename = opts.filename;
  if (!filename) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    filename = databasePath(opts.dataDir);
  }
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  // SQLite itself does not fsync on commit (NORMAL in WAL mode still fsyncs around
  // checkpoints); `durable()` fsyncs the log off the event loop instead. See FsyncMode.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);

  const q = {
    insert: db.prepare(
      `INSERT OR IGNORE INTO inbox (received_at, request_id, dedup_key, resource, action, body, chat_id, thread_id, group_key, next_attempt_at)
       VALUES (@receivedAt, @requestId, @dedupKey, @resource, @action, @body, @chatId, @threadId, @groupKey, @receivedAt)`,
    ),
    dueChats: db.prepare(
      `SELECT chat_id AS chatId, MIN(next_attempt_at) AS dueAt FROM inbox WHERE state = 'pending' GROUP BY chat_id`,
    ),
    chatDueAt: db.prepare(`SELECT MIN(next_attempt_at) AS dueAt FROM inbox WHERE state = 'pending' AND chat_id = ?`),
    body: db.prepare(`SELECT body FROM inbox WHERE id = ?`),
    pendingFor: db.prepare(
      `SELECT id, received_at AS receivedAt, resource, action, chat_id AS chatId, thread_id AS threadId,
              group_key AS groupKey, attempts, next_attempt_at AS nextAttemptAt
       FROM inbox WHERE state = 'pending' AND chat_id = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
    ),
    finish: db.prepare(
      `UPDATE inbox SET state = @state, message_id = @messageId, done_at = @now, last_error = NULL
       WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'pending'`,
    ),
    retry: db.prepare(
      `UPDATE inbox SET attempts = attempts + 1, next_attempt_at = @at, last_error = @error
       WHERE id IN (SELECT value FROM json_each(@ids))`,
    ),
    park: db.prepare(
      `UPDATE inbox SET state = 'parked', last_error = @reason, done_at = @now
       WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'pending'`,
    ),
    moveChat: db.prepare(`UPDATE inbox SET chat_id = @to WHERE chat_id = @from AND state = 'pending'`),
    dropThread: db.prepare(`UPDATE inbox SET thread_id = NULL WHERE chat_id = @chatId AND thread_id = @threadId AND state = 'pending'`),
    attempt: db.prepare(`INSERT INTO attempts (inbox_id, at, outcome, detail) VALUES (?, ?, ?, ?)`),
    // The newest message of the group: Telegram message ids only grow within a chat.
    groupMessage: db.prepare(
      `SELECT chat_id AS chatId, message_id AS messageId, thread_id AS threadId, group_key AS groupKey, kind, count,
              first_seen AS firstSeen, last_seen AS lastSeen, alert_id AS alertId, content, updated_at AS updatedAt,
              issue_id AS issueId, status, substatus, assignee, status_line AS statusLine, changed_by AS changedBy,
              changed_at AS changedAt
       FROM messages WHERE group_key = ? AND chat_id = ? ORDER BY message_id DESC LIMIT 1`,
    ),
    message: db.prepare(
      `SELECT chat_id AS chatId, message_id AS messageId, thread_id AS threadId, group_key AS groupKey, kind, count,
              first_seen AS firstSeen, last_seen AS lastSeen, alert_id AS alertId, content, updated_at AS updatedAt,
              issue_id AS issueId, status, substatus, assignee, status_line AS statusLine, changed_by AS changedBy,
              changed_at AS changedAt
       FROM messages WHERE chat_id = ? AND message_id = ?`,
    ),
    saveMessage: db.prepare(
      `INSERT INTO messages (chat_id, message_id, thread_id, group_key, kind, count, first_seen, last_seen, alert_id, content, updated_at,
                             issue_id, status, substatus, assignee, status_line, changed_by, changed_at)
       VALUES (@chatId, @messageId, @threadId, @groupKey, @kind, @count, @firstSeen, @lastSeen, @alertId, @content, @updatedAt,
               @issueId, @status, @substatus, @assignee, @statusLine, @changedBy, @changedAt)
       ON CONFLICT (chat_id, message_id) DO UPDATE SET count = excluded.count, last_seen = excluded.last_seen,
         content = excluded.content, updated_at = excluded.updated_at, group_key = excluded.group_key,
         issue_id = excluded.issue_id, status = excluded.status, substatus = excluded.substatus, assignee = excluded.assignee,
         status_line = excluded.status_line, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
    ),
    saveCallback: db.prepare(
      `INSERT INTO callbacks (key, chat_id, message_id, issue_id, org, created_at) VALUES (@key, @chatId, @messageId, @issueId, @org, @createdAt)
       ON CONFLICT (key) DO UPDATE SET chat_id = excluded.chat_id, message_id = excluded.message_id`,
    ),
    callback: db.prepare(
      `SELECT key, chat_id AS chatId, message_id AS messageId, issue_id AS issueId, org, created_at AS createdAt FROM callbacks WHERE key = ?`,
    ),
    callbackFor: db.prepare(
      `SELECT key, chat_id AS chatId, message_id AS messageId, issue_id AS issueId, org, created_at AS createdAt
       FROM callbacks WHERE chat_id = ? AND message_id = ? ORDER BY created_at DESC LIMIT 1`,
    ),
    moveCallbacks: db.prepare(`UPDATE callbacks SET message_id = @to WHERE chat_id = @chatId AND message_id = @from`),
    dropCallbacks: db.prepare(`DELETE FROM callbacks WHERE chat_id = ? AND message_id = ?`),
    insertMute: db.prepare(
      `INSERT INTO mutes (chat_id, issue_id, short_id, label, until, created_by, created_at)
       VALUES (@chatId, @issueId, @shortId, @label, @until, @createdBy, @createdAt)`,
    ),
    deleteMutes: db.prepare(
      `DELETE FROM mutes WHERE chat_id = @chatId AND ((@issueId IS NOT NULL AND issue_id = @issueId)
         OR (@shortId IS NOT NULL AND short_id = @shortId COLLATE NOCASE))`,
    ),
    activeMute: db.prepare(
      `SELECT id, chat_id AS chatId, issue_id AS issueId, short_id AS shortId, label, until, created_by AS createdBy, created_at AS createdAt
       FROM mutes WHERE chat_id = @chatId AND until > @now AND ((@issueId IS NOT NULL AND issue_id = @issueId)
         OR (@shortId IS NOT NULL AND short_id = @shortId COLLATE NOCASE))
       ORDER BY until DESC LIMIT 1`,
    ),
    activeMutes: db.prepare(
      `SELECT id, chat_id AS chatId, issue_id AS issueId, short_id AS shortId, label, until, created_by AS createdBy, created_at AS createdAt
       FROM mutes WHERE until > ? ORDER BY until`,
    ),
    issueForShortId: db.prepare(
      `SELECT issue_id AS issueId FROM messages
       WHERE chat_id = ? AND issue_id IS NOT NULL AND json_extract(content, '$.alert.shortId') = ? COLLATE NOCASE
       ORDER BY message_id DESC LIMIT 1`,
    ),
    mutedSince: db.prepare(
      `SELECT COUNT(*) AS n FROM inbox WHERE state = 'muted' AND chat_id = ? AND group_key = ? AND done_at >= ?`,
    ),
    forgetMessage: db.prepare(`DELETE FROM messages WHERE chat_id = ? AND message_id = ?`),
    digestEntry: db.prepare(`SELECT message_id AS messageId FROM digest_entries WHERE chat_id = ? AND group_key = ?`),
    saveDigestEntry: db.prepare(
      `INSERT INTO digest_entries (chat_id, group_key, message_id) VALUES (?, ?, ?)
       ON CONFLICT (chat_id, group_key) DO UPDATE SET message_id = excluded.message_id`,
    ),
    migration: db.prepare(`SELECT new_chat_id AS newChatId FROM chat_migrations WHERE old_chat_id = ?`),
    saveMigration: db.prepare(
      `INSERT INTO chat_migrations (old_chat_id, new_chat_id, at) VALUES (?, ?, ?)
       ON CONFLICT (old_chat_id) DO UPDATE SET new_chat_id = excluded.new_chat_id, at = excluded.at`,
    ),
    kvGet: db.prepare(`SELECT value FROM kv WHERE key = ?`),
    kvSet: db.prepare(`INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    countState: db.prepare(`SELECT state, COUNT(*) AS n, MIN(received_at) AS oldest FROM inbox GROUP BY state`),
    lastParked: db.prepare(
      `SELECT done_at AS at, last_error AS reason FROM inbox WHERE state = 'parked' ORDER BY done_at DESC LIMIT 1`,
    ),
    lastDelivered: db.prepare(`SELECT MAX(done_at) AS at FROM inbox WHERE state IN ('sent', 'merged')`),
    recentFailures: db.prepare(
      `SELECT inbox_id AS alertId, at, outcome, detail FROM attempts WHERE outcome NOT IN ('sent', 'edited', 'merged', 'muted') AND at >= ? ORDER BY at DESC LIMIT ?`,
    ),
    row: db.prepare(`SELECT id, state, message_id AS messageId, chat_id AS chatId, last_error AS lastError FROM inbox WHERE id = ?`),
    pruneInbox: db.prepare(`DELETE FROM inbox WHERE state IN ('sent', 'merged', 'muted') AND done_at < ?`),
    pruneAttempts: db.prepare(`DELETE FROM attempts WHERE at < ?`),
    pruneMessages: db.prepare(`DELETE FROM messages WHERE updated_at < ?`),
    pruneDigest: db.prepare(
      `DELETE FROM digest_entries WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = digest_entries.chat_id AND m.message_id = digest_entries.message_id)`,
    ),
    pruneCallbacks: db.prepare(
      `DELETE FROM callbacks WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = callbacks.chat_id AND m.message_id = callbacks.message_id)`,
    ),
    pruneMutes: db.prepare(`DELETE FROM mutes WHERE until < ?`),
  };

  const insertMany = db.transaction((rows: NewAlertRow[]) =>
    rows.map((r) => {
      const res = q.insert.run(r);
      return res.changes === 1 ? { id: Number(res.lastInsertRowid), duplicate: false } : { id: null, duplicate: true };
    }),
  );

  const wal = createWalSync(filename === ':memory:' || opts.fsync === 'normal' ? null : `${filename}-wal`, opts.fdatasync ?? fdatasync);

  return {
    db,
    /**
     * Resolves once every commit made before the call is on disk. Runs fdatasync on the WAL in
     * libuv's thread pool, so the event loop keeps answering while the disk works; calls that
     * arrive during one sync share the next (group commit).
     */
    durable: wal.durable,
    /** Commits the rows in one transaction (one fsync). Returns, per row, its id or `duplicate`. */
    acceptMany(rows: NewAlertRow[]): { id: number | null; duplicate: boolean }[] {
      return insertMany(rows);
    },
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
    /**
     * Marks rows delivered (`sent`) or reflected in another alert's message (`merged`), in one
     * statement; one attempt row records the Telegram call that carried them all.
     */
    finish: db.transaction((ids: number[], state: 'sent' | 'merged' | 'muted', messageId: number | null, now: number) => {
      if (ids.length === 0) return;
      q.finish.run({ ids: JSON.stringify(ids), state, messageId, now });
      const more = ids.length > 1 ? ` with ${ids.length - 1} more` : '';
      q.attempt.run(ids[0], now, state, `message ${messageId ?? '-'}${more}`);
    }),
    retryLater: db.transaction((ids: number[], at: number, error: string, now: number) => {
      if (ids.length === 0) return;
      q.retry.run({ ids: JSON.stringify(ids), at, error });
      q.attempt.run(ids[0], now, 'retry', ids.length > 1 ? `${error} (${ids.length} alerts)` : error);
    }),
    park: db.transaction((ids: number[], reason: string, now: number) => {
      if (ids.length === 0) return;
      q.park.run({ ids: JSON.stringify(ids), reason, now });
      q.attempt.run(ids[0], now, 'parked', ids.length > 1 ? `${reason} (${ids.length} alerts)` : reason);
    }),
    noteAttempt(id: number, outcome: string, detail: string | null, now: number): void {
      q.attempt.run(id, now, outcome, detail);
    },
    /** The chat became a supergroup: remember it and move everything still waiting. */
    migrateChat: db.transaction((from: string, to: string, now: number) => {
      q.saveMigration.run(from, to, now);
      q.moveChat.run({ from, to });
    }),
    migratedTo(chatId: string): string | null {
      return (q.migration.get(chatId) as { newChatId: string } | undefined)?.newChatId ?? null;
    },
    /** The forum topic is gone: everything waiting for it goes to the General topic. */
    dropThread(chatId: string, threadId: number): void {
      q.dropThread.run({ chatId, threadId });
    },
    messageForGroup(groupKey: string, chatId: string): MessageRow | null {
      return (q.groupMessage.get(groupKey, chatId) as MessageRow | undefined) ?? null;
    },
    message(chatId: string, messageId: number): MessageRow | null {
      return (q.message.get(chatId, messageId) as MessageRow | undefined) ?? null;
    },
    saveMessage(m: MessageRow): void {
      q.saveMessage.run(m);
    },
    forgetMessage(chatId: string, messageId: number): void {
      q.forgetMessage.run(chatId, messageId);
    },
    /** The message was deleted and sent anew: the new one takes its place, state and buttons. */
    replaceMessage: db.transaction((old: { chatId: string; messageId: number }, next: MessageRow) => {
      q.forgetMessage.run(old.chatId, old.messageId);
      q.saveMessage.run(next);
      q.moveCallbacks.run({ chatId: old.chatId, from: old.messageId, to: next.messageId });
    }),
    saveCallback(c: CallbackRow): void {
      q.saveCallback.run(c);
    },
    callback(key: string): CallbackRow | null {
      return (q.callback.get(key) as CallbackRow | undefined) ?? null;
    },
    /** The key of the buttons on this message, if it carries any. */
    callbackFor(chatId: string, messageId: number): CallbackRow | null {
      return (q.callbackFor.get(chatId, messageId) as CallbackRow | undefined) ?? null;
    },
    /** The buttons were taken off this message. */
    dropCallbacks(chatId: string, messageId: number): void {
      q.dropCallbacks.run(chatId, messageId);
    },
    /** Replaces any mute of the same issue in the chat. */
    addMute: db.transaction((m: NewMute): void => {
      q.deleteMutes.run({ chatId: m.chatId, issueId: m.issueId, shortId: m.shortId });
      q.insertMute.run(m);
    }),
    /** Returns how many mutes were removed. */
    removeMutes(chatId: string, issueId: string | null, shortId: string | null): number {
      return q.deleteMutes.run({ chatId, issueId, shortId }).changes;
    },
    activeMute(chatId: string, issueId: string | null, shortId: string | null, now: number): MuteRow | null {
      if (issueId === null && shortId === null) return null;
      return (q.activeMute.get({ chatId, issueId, shortId, now }) as MuteRow | undefined) ?? null;
    },
    activeMutes(now: number): MuteRow[] {
      return q.activeMutes.all(now) as MuteRow[];
    },
    /** The Sentry issue id behind a short id such as FRONT-END-9, from messages sent to the chat. */
    issueForShortId(chatId: string, shortId: string): string | null {
      return (q.issueForShortId.get(chatId, shortId) as { issueId: string } | undefined)?.issueId ?? null;
    },
    mutedSince(chatId: string, groupKey: string, since: number): number {
      return (q.mutedSince.get(chatId, groupKey, since) as { n: number }).n;
    },
    digestFor(chatId: string, groupKey: string): number | null {
      return (q.digestEntry.get(chatId, groupKey) as { messageId: number } | undefined)?.messageId ?? null;
    },
    saveDigestEntries: db.transaction((chatId: string, groupKeys: string[], messageId: number) => {
      for (const k of groupKeys) q.saveDigestEntry.run(chatId, k, messageId);
    }),
    row(id: number) {
      return q.row.get(id) as
        | { id: number; state: string; messageId: number | null; chatId: string; lastError: string | null }
        | undefined;
    },
    kvGet(key: string): string | null {
      return (q.kvGet.get(key) as { value: string } | undefined)?.value ?? null;
    },
    kvSet(key: string, value: string): void {
      q.kvSet.run(key, value);
    },
    stats(): StoreStats {
      const rows = q.countState.all() as { state: string; n: number; oldest: number }[];
      const by = (s: string) => rows.find((r) => r.state === s);
      const parked = q.lastParked.get() as { at: number; reason: string } | undefined;
      return {
        pending: by('pending')?.n ?? 0,
        parked: by('parked')?.n ?? 0,
        lastParked: parked ?? null,
        lastDeliveredAt: (q.lastDelivered.get() as { at: number | null }).at,
        oldestPendingAt: by('pending')?.oldest ?? null,
        muted: by('muted')?.n ?? 0,
      };
    },
    recentFailures(since: number, limit = 20) {
      return q.recentFailures.all(since, limit) as { alertId: number; at: number; outcome: string; detail: string | null }[];
    },
    /** Deletes delivered rows and old bookkeeping; parked and pending rows are kept for a human. */
    prune: db.transaction((olderThan: number) => {
      const inbox = q.pruneInbox.run(olderThan).changes;
      q.pruneAttempts.run(olderThan);
      q.pruneMessages.run(olderThan);
      q.pruneDigest.run();
      q.pruneCallbacks.run();
      q.pruneMutes.run(olderThan);
      return inbox;
    }),
    close(): void {
      wal.close();
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the database is from a newer sentry-tg (schema ${current}, this version knows ${MIGRATIONS.length}): upgrade sentry-tg`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** fdatasync of the WAL file, coalesced: at most one in flight and one queued behind it. */
function createWalSync(path: string | null, sync: FdatasyncFn) {
  let fd: number | null = null;
  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;

  const syncOnce = (): Promise<void> =>
    new Promise((resolve, reject) => {
      // The log exists from the first commit (the migrations) until the database is closed.
      fd ??= openSync(path!, 'r+');
      sync(fd, (err) => (err ? reject(err) : resolve()));
    });

  function durable(): Promise<void> {
    if (path === null) return Promise.resolve();
    if (!inFlight) {
      inFlight = syncOnce().finally(() => {
        inFlight = null;
      });
      return inFlight;
    }
    // A sync already running may have started before the caller's commit: wait for the next.
    queued ??= inFlight.then(
      () => {
        queued = null;
        return durable();
      },
      () => {
        queued = null;
        return durable();
      },
    );
    return queued;
  }

  return {
    durable,
    close(): void {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
