// What the receiver remembers about chats and itself: groups that became supergroups (their
// new id), and a small key-value table for its own bookkeeping (e.g. the getUpdates offset).
import type { Db } from './db.js';

export function chatsRepository(db: Db) {
  const q = {
    migration: db.prepare(`SELECT new_chat_id AS newChatId FROM chat_migrations WHERE old_chat_id = ?`),
    saveMigration: db.prepare(
      `INSERT INTO chat_migrations (old_chat_id, new_chat_id, at) VALUES (?, ?, ?)
       ON CONFLICT (old_chat_id) DO UPDATE SET new_chat_id = excluded.new_chat_id, at = excluded.at`,
    ),
    kvGet: db.prepare(`SELECT value FROM kv WHERE key = ?`),
    kvSet: db.prepare(`INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
  };

  return {
    saveMigration(from: string, to: string, now: number): void {
      q.saveMigration.run(from, to, now);
    },
    migratedTo(chatId: string): string | null {
      return (q.migration.get(chatId) as { newChatId: string } | undefined)?.newChatId ?? null;
    },
    kvGet(key: string): string | null {
      return (q.kvGet.get(key) as { value: string } | undefined)?.value ?? null;
    },
    kvSet(key: string, value: string): void {
      q.kvSet.run(key, value);
    },
  };
}
