// Schema 4's indexes: the outbox keeps only the indexes a query reads (its unique keys stay, so
// idempotency holds), and the issue lookup reads an index instead of every message of the chat.
// Schema 6: the queue figures read indexes only, never every delivered row.
import { describe, expect, it } from 'vitest';
import { PENDING_FOR_SQL, STATS_SQL } from '../../src/store/outbox.js';
import { openStore } from '../../src/store/store.js';
import { connectionOf } from '../../src/store/testing.js';

const row = (over: { requestId?: string | null; dedupKey?: string | null }) => ({
  receivedAt: 1, requestId: null, dedupKey: null, resource: 'event_alert', action: 'triggered',
  body: Buffer.from('{}'), chatId: '1', threadId: null, groupKey: null, ...over,
});

function plan(sql: string, ...args: unknown[]): string {
  const store = openStore({ dataDir: '', filename: ':memory:' });
  const db = connectionOf(store);
  const detail = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
  store.close();
  return detail;
}

describe('outbox and messages indexes (schema 4)', () => {
  it('the outbox has its two unique keys, the indexes delivery and the queue figures read, nothing else', () => {
    const store = openStore({ dataDir: '', filename: ':memory:' });
    const names = connectionOf(store)
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' ORDER BY name`)
      .all()
      .map((r) => (r as { name: string }).name);
    expect(names).toEqual(['outbox_dedup_key', 'outbox_done', 'outbox_due', 'outbox_held', 'outbox_queue', 'outbox_request_id']);
    store.close();
  });

  it('still refuses a repeated Request-ID and a repeated event', () => {
    const store = openStore({ dataDir: '', filename: ':memory:' });
    store.acceptMany([row({ requestId: 'r1', dedupKey: 'k1' })]);
    expect(store.acceptMany([row({ requestId: 'r1', dedupKey: 'k2' }), row({ requestId: 'r2', dedupKey: 'k1' }), row({ requestId: 'r3', dedupKey: 'k3' })])).toEqual([
      { id: null, duplicate: true },
      { id: null, duplicate: true },
      { id: 2, duplicate: false },
    ]);
    store.close();
  });

  it("finds an issue's message through messages_group, not by scanning the chat's messages", () => {
    expect(plan(`SELECT * FROM messages WHERE group_key = ? AND chat_id = ? ORDER BY message_id DESC LIMIT 1`, 'issue:1', '1')).toBe(
      'SEARCH messages USING INDEX messages_group (group_key=? AND chat_id=?)',
    );
  });

  it.each(Object.entries(STATS_SQL))('the queue figure %s reads an index, not every row of the outbox', (_name, sql) => {
    const detail = plan(sql);
    expect(detail).toMatch(/USING (COVERING )?INDEX outbox_(queue|held|done)\b/);
    expect(detail).not.toMatch(/SCAN outbox(?! USING)/);
  });

  it("reads a chat's oldest waiting rows in id order through outbox_queue, without sorting every due row", () => {
    const detail = plan(PENDING_FOR_SQL, '1', 0, 10);
    expect(detail).toBe('SEARCH outbox USING INDEX outbox_queue (chat_id=?)');
  });
});
