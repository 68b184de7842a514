// /mute: alerts for an issue are not posted in a chat until the mute ends.
import { transactional, type Db } from './db.js';

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

const COLUMNS = `id, chat_id AS chatId, issue_id AS issueId, short_id AS shortId, label, until, created_by AS createdBy, created_at AS createdAt`;

export function mutesRepository(db: Db) {
  const q = {
    insert: db.prepare(
      `INSERT INTO mutes (chat_id, issue_id, short_id, label, until, created_by, created_at)
       VALUES (@chatId, @issueId, @shortId, @label, @until, @createdBy, @createdAt)`,
    ),
    delete: db.prepare(
      `DELETE FROM mutes WHERE chat_id = @chatId AND ((@issueId IS NOT NULL AND issue_id = @issueId)
         OR (@shortId IS NOT NULL AND short_id = @shortId COLLATE NOCASE))`,
    ),
    active: db.prepare(
      `SELECT ${COLUMNS}
       FROM mutes WHERE chat_id = @chatId AND until > @now AND ((@issueId IS NOT NULL AND issue_id = @issueId)
         OR (@shortId IS NOT NULL AND short_id = @shortId COLLATE NOCASE))
       ORDER BY until DESC LIMIT 1`,
    ),
    allActive: db.prepare(`SELECT ${COLUMNS} FROM mutes WHERE until > ? ORDER BY until`),
    prune: db.prepare(`DELETE FROM mutes WHERE until < ?`),
  };

  return {
    /** Replaces any mute of the same issue in the chat. */
    addMute: transactional(db, (m: NewMute): void => {
      q.delete.run({ chatId: m.chatId, issueId: m.issueId, shortId: m.shortId });
      q.insert.run(m);
    }),
    /** Returns how many mutes were removed. */
    removeMutes(chatId: string, issueId: string | null, shortId: string | null): number {
      return q.delete.run({ chatId, issueId, shortId }).changes;
    },
    activeMute(chatId: string, issueId: string | null, shortId: string | null, now: number): MuteRow | null {
      if (issueId === null && shortId === null) return null;
      return (q.active.get({ chatId, issueId, shortId, now }) as MuteRow | undefined) ?? null;
    },
    activeMutes(now: number): MuteRow[] {
      return q.allActive.all(now) as MuteRow[];
    },
    /** Deletes mutes that ended before `olderThan`. */
    prune(olderThan: number): void {
      q.prune.run(olderThan);
    },
  };
}
