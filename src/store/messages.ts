// The Telegram messages alerts went out as: one per Sentry issue and chat (with the issue's
// state as shown), digests, and the digest lines that point at the digest listing them.
import { transactional, type Db } from './db.js';

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

const COLUMNS = `chat_id AS chatId, message_id AS messageId, thread_id AS threadId, group_key AS groupKey, kind, count,
              first_seen AS firstSeen, last_seen AS lastSeen, alert_id AS alertId, content, updated_at AS updatedAt,
              issue_id AS issueId, status, substatus, assignee, status_line AS statusLine, changed_by AS changedBy,
              changed_at AS changedAt`;

export function messagesRepository(db: Db) {
  const q = {
    // The newest message of the group: Telegram message ids only grow within a chat.
    groupMessage: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE group_key = ? AND chat_id = ? ORDER BY message_id DESC LIMIT 1`),
    message: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE chat_id = ? AND message_id = ?`),
    save: db.prepare(
      `INSERT INTO messages (chat_id, message_id, thread_id, group_key, kind, count, first_seen, last_seen, alert_id, content, updated_at,
                             issue_id, status, substatus, assignee, status_line, changed_by, changed_at)
       VALUES (@chatId, @messageId, @threadId, @groupKey, @kind, @count, @firstSeen, @lastSeen, @alertId, @content, @updatedAt,
               @issueId, @status, @substatus, @assignee, @statusLine, @changedBy, @changedAt)
       ON CONFLICT (chat_id, message_id) DO UPDATE SET count = excluded.count, last_seen = excluded.last_seen,
         content = excluded.content, updated_at = excluded.updated_at, group_key = excluded.group_key,
         issue_id = excluded.issue_id, status = excluded.status, substatus = excluded.substatus, assignee = excluded.assignee,
         status_line = excluded.status_line, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
    ),
    forget: db.prepare(`DELETE FROM messages WHERE chat_id = ? AND message_id = ?`),
    // Content that is not JSON (a plain status) is skipped; json_extract would throw on it.
    issueForShortId: db.prepare(
      `SELECT issue_id AS issueId FROM messages
       WHERE chat_id = ? AND issue_id IS NOT NULL AND CASE WHEN json_valid(content) THEN json_extract(content, '$.alert.shortId') END = ? COLLATE NOCASE
       ORDER BY message_id DESC LIMIT 1`,
    ),
    digestEntry: db.prepare(`SELECT message_id AS messageId FROM digest_entries WHERE chat_id = ? AND group_key = ?`),
    saveDigestEntry: db.prepare(
      `INSERT INTO digest_entries (chat_id, group_key, message_id) VALUES (?, ?, ?)
       ON CONFLICT (chat_id, group_key) DO UPDATE SET message_id = excluded.message_id`,
    ),
    prune: db.prepare(`DELETE FROM messages WHERE updated_at < ?`),
    pruneDigest: db.prepare(
      `DELETE FROM digest_entries WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = digest_entries.chat_id AND m.message_id = digest_entries.message_id)`,
    ),
  };

  return {
    messageForGroup(groupKey: string, chatId: string): MessageRow | null {
      return (q.groupMessage.get(groupKey, chatId) as MessageRow | undefined) ?? null;
    },
    message(chatId: string, messageId: number): MessageRow | null {
      return (q.message.get(chatId, messageId) as MessageRow | undefined) ?? null;
    },
    saveMessage(m: MessageRow): void {
      q.save.run(m);
    },
    forgetMessage(chatId: string, messageId: number): void {
      q.forget.run(chatId, messageId);
    },
    /** The Sentry issue id behind a short id such as FRONT-END-9, from messages sent to the chat. */
    issueForShortId(chatId: string, shortId: string): string | null {
      return (q.issueForShortId.get(chatId, shortId) as { issueId: string } | undefined)?.issueId ?? null;
    },
    digestFor(chatId: string, groupKey: string): number | null {
      return (q.digestEntry.get(chatId, groupKey) as { messageId: number } | undefined)?.messageId ?? null;
    },
    saveDigestEntries: transactional(db, (chatId: string, groupKeys: string[], messageId: number) => {
      for (const k of groupKeys) q.saveDigestEntry.run(chatId, k, messageId);
    }),
    /** Deletes messages not touched since `olderThan`, and digest lines whose digest is gone. */
    prune(olderThan: number): void {
      q.prune.run(olderThan);
      q.pruneDigest.run();
    },
  };
}
