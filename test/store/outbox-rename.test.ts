// Schema 3 renames the table of accepted alerts from `inbox` to `outbox`. A database written by
// schema 2 (the version before) keeps every row: waiting alerts are still delivered, finished
// ones still counted, their attempts still linked; doctor reads either version without
// migrating it. The store's writes that span tables go through transaction(), with no raw
// connection on the Store.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStoreReport } from '../../src/store/report.js';
import { openStore } from '../../src/store/store.js';
import { connectionOf } from '../../src/store/testing.js';
import { tempDir } from '../helpers.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('sentry-tg-outbox-');
});
afterEach(() => dir.cleanup());

const NOW = 1_700_000_000_000;

/** A database exactly as schema 2 left it: one waiting alert, one sent, one parked. */
function schema2Database(): string {
  const file = join(dir.path, 'sentry-tg.db');
  const old = new Database(file);
  old.exec(MIGRATIONS[0]!);
  old.exec(MIGRATIONS[1]!);
  old.pragma('user_version = 2');
  const insert = old.prepare(
    `INSERT INTO inbox (id, received_at, dedup_key, resource, action, body, chat_id, group_key, state, next_attempt_at, done_at, last_error, message_id)
     VALUES (?, ?, ?, 'event_alert', 'triggered', ?, '-100', NULL, ?, ?, ?, ?, ?)`,
  );
  insert.run(1, NOW - 3000, 'k1', Buffer.from('{"waiting":true}'), 'pending', NOW - 3000, null, null, null);
  insert.run(2, NOW - 2000, 'k2', Buffer.from('{}'), 'sent', NOW - 2000, NOW - 1500, null, 7);
  insert.run(3, NOW - 1000, 'k3', Buffer.from('{}'), 'parked', NOW - 1000, NOW - 500, '403 Forbidden. Add the bot back.', null);
  old.prepare(`INSERT INTO attempts (inbox_id, at, outcome, detail) VALUES (3, ?, 'parked', '403 Forbidden')`).run(NOW - 500);
  old.prepare(`INSERT INTO attempts (inbox_id, at, outcome, detail) VALUES (1, ?, 'retry', 'ECONNRESET')`).run(NOW - 900);
  old.close();
  return file;
}

describe('schema 3: inbox becomes outbox', () => {
  it('keeps every row of a schema-2 database and goes on delivering it', () => {
    schema2Database();
    const store = openStore({ dataDir: dir.path });
    const db = connectionOf(store);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('inbox', 'outbox')`).all();
    expect(tables).toEqual([{ name: 'outbox' }]);

    // The waiting alert is still due and its body intact.
    expect(store.dueChats()).toEqual([{ chatId: '-100', dueAt: NOW - 3000 }]);
    expect(store.pendingFor('-100', NOW, 10).map((r) => r.id)).toEqual([1]);
    expect(store.body(1)?.toString()).toBe('{"waiting":true}');
    expect(store.stats()).toMatchObject({ pending: 1, parked: 1, lastDeliveredAt: NOW - 1500 });
    // Attempts still point at their alerts.
    expect(store.recentFailures(0).map((f) => [f.alertId, f.outcome])).toEqual([[3, 'parked'], [1, 'retry']]);

    // The dedup index survived the rename: the same event is refused, a new one is taken.
    const again = { receivedAt: NOW, requestId: null, resource: 'event_alert', action: 'triggered', body: Buffer.from('{}'), chatId: '-100', threadId: null, groupKey: null };
    expect(store.acceptMany([{ ...again, dedupKey: 'k2' }, { ...again, dedupKey: 'k4' }])).toEqual([
      { id: null, duplicate: true },
      { id: 4, duplicate: false },
    ]);
    store.finish([1], 'sent', 8, NOW);
    expect(store.row(1)).toMatchObject({ state: 'sent', messageId: 8 });
    store.close();

    // Opening again does not migrate twice.
    const reopened = openStore({ dataDir: dir.path });
    expect(connectionOf(reopened).pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(reopened.stats().pending).toBe(1);
    reopened.close();
  });

  it('doctor reads a schema-2 database without migrating it, and a schema-3 one', () => {
    const file = schema2Database();
    const before = openStoreReport(file, () => NOW)!;
    expect(before.summary()).toMatchObject({ parked: 1, pending: 1, lastDeliveredAt: NOW - 1500, retries: 1 });
    before.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();

    openStore({ dataDir: dir.path }).close();
    const after = openStoreReport(file, () => NOW)!;
    expect(after.summary()).toMatchObject({ parked: 1, pending: 1, lastDeliveredAt: NOW - 1500, retries: 1 });
    after.close();
  });
});

describe('store transactions', () => {
  it('has no raw connection on the Store', () => {
    const store = openStore({ dataDir: '', filename: ':memory:' });
    expect(Object.keys(store)).not.toContain('db');
    store.close();
  });

  it('transaction() commits writes to several tables together, or none of them', () => {
    const store = openStore({ dataDir: '', filename: ':memory:' });
    const id = store.acceptMany([
      { receivedAt: NOW, requestId: null, dedupKey: 'a', resource: 'event_alert', action: 'triggered', body: Buffer.from('{}'), chatId: '1', threadId: null, groupKey: 'issue:42' },
    ])[0]!.id!;
    const message = {
      chatId: '1', messageId: 5, threadId: null, groupKey: 'issue:42', kind: 'alert' as const, count: 1, firstSeen: NOW, lastSeen: NOW,
      alertId: id, content: null, updatedAt: NOW, issueId: '42', status: null, substatus: null, assignee: null, statusLine: null, changedBy: null, changedAt: null,
    };
    expect(() =>
      store.transaction(() => {
        store.saveMessage(message);
        store.finish([id], 'sent', 5, NOW);
        throw new Error('the process died here');
      }),
    ).toThrow('the process died here');
    expect(store.message('1', 5)).toBeNull();
    expect(store.row(id)).toMatchObject({ state: 'pending' });

    expect(store.transaction(() => {
      store.saveMessage(message);
      store.finish([id], 'sent', 5, NOW);
      return 'done';
    })).toBe('done');
    expect(store.message('1', 5)).toMatchObject({ messageId: 5 });
    expect(store.row(id)).toMatchObject({ state: 'sent', messageId: 5 });
    store.close();
  });
});
