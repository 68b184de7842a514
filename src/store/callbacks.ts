// What a button's short key in callback_data stands for: the chat, message, issue and
// organisation (callback_data holds only 64 bytes).
import type { Db } from './db.js';

export interface CallbackRow {
  key: string;
  chatId: string;
  messageId: number;
  issueId: string;
  org: string;
  createdAt: number;
}

export function callbacksRepository(db: Db) {
  const q = {
    save: db.prepare(
      `INSERT INTO callbacks (key, chat_id, message_id, issue_id, org, created_at) VALUES (@key, @chatId, @messageId, @issueId, @org, @createdAt)
       ON CONFLICT (key) DO UPDATE SET chat_id = excluded.chat_id, message_id = excluded.message_id`,
    ),
    byKey: db.prepare(
      `SELECT key, chat_id AS chatId, message_id AS messageId, issue_id AS issueId, org, created_at AS createdAt FROM callbacks WHERE key = ?`,
    ),
    forMessage: db.prepare(
      `SELECT key, chat_id AS chatId, message_id AS messageId, issue_id AS issueId, org, created_at AS createdAt
       FROM callbacks WHERE chat_id = ? AND message_id = ? ORDER BY created_at DESC LIMIT 1`,
    ),
    move: db.prepare(`UPDATE callbacks SET message_id = @to WHERE chat_id = @chatId AND message_id = @from`),
    drop: db.prepare(`DELETE FROM callbacks WHERE chat_id = ? AND message_id = ?`),
    prune: db.prepare(
      `DELETE FROM callbacks WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = callbacks.chat_id AND m.message_id = callbacks.message_id)`,
    ),
  };

  return {
    saveCallback(c: CallbackRow): void {
      q.save.run(c);
    },
    callback(key: string): CallbackRow | null {
      return (q.byKey.get(key) as CallbackRow | undefined) ?? null;
    },
    /** The key of the buttons on this message, if it carries any. */
    callbackFor(chatId: string, messageId: number): CallbackRow | null {
      return (q.forMessage.get(chatId, messageId) as CallbackRow | undefined) ?? null;
    },
    /** The buttons now live on another message of the same chat. */
    moveCallbacks(chatId: string, from: number, to: number): void {
      q.move.run({ chatId, from, to });
    },
    /** The buttons were taken off this message. */
    dropCallbacks(chatId: string, messageId: number): void {
      q.drop.run(chatId, messageId);
    },
    /** Deletes keys whose message is gone. */
    prune(): void {
      q.prune.run();
    },
  };
}
