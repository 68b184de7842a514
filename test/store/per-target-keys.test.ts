// Schema 5: with routes one alert is one row per target, so the idempotency keys are per chat
// and forum topic. A schema-4 database keeps its rows (route null) and its de-duplication; a
// moved chat or a lost topic never trips over a row already waiting there.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore, type NewAlertRow } from '../../src/store/store.js';
import { connectionOf } from '../../src/store/testing.js';
import { tempDir } from '../helpers.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('sentry-tg-keys-');
});
afterEach(() => dir.cleanup());

const NOW = 1_700_000_000_000;
const row = (over: Partial<NewAlertRow>): NewAlertRow => ({
  receivedAt: NOW,
  requestId: 'r1',
  dedupKey: 'k1',
  resource: 'event_alert',
  action: 'triggered',
  body: Buffer.from('{}'),
  chatId: '-100',
  threadId: null,
  groupKey: null,
  ...over,
});

function schema4Database(): void {
  const old = new Database(join(dir.path, 'sentry-tg.db'));
  for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
  old.pragma('user_version = 4');
  old
    .prepare(
      `INSERT INTO outbox (received_at, request_id, dedup_key, resource, action, body, chat_id, thread_id, next_attempt_at)
       VALUES (?, 'r1', 'k1', 'event_alert', 'triggered', ?, '-100', NULL, ?)`,
    )
    .run(NOW, Buffer.from('{}'), NOW);
  old.close();
}

describe('schema 5: idempotency per target', () => {
  it('a schema-4 row keeps its keys; the same alert for another chat or topic is a new row', () => {
    schema4Database();
    const store = openStore({ dataDir: dir.path });
    expect(connectionOf(store).pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const results = store.acceptMany([
      row({}), // the old row again: no topic is the same place as no topic
      row({ requestId: null }), // same event (dedup key) in the same place
      row({ chatId: '-200', route: 'b' }),
      row({ chatId: '-100', threadId: 5, route: 'c' }),
      row({ chatId: '-200', route: 'b' }), // redelivered
    ]);
    expect(results.map((r) => r.duplicate)).toEqual([true, true, false, false, true]);
    const rows = connectionOf(store).prepare(`SELECT chat_id, thread_id, route FROM outbox ORDER BY id`).all();
    expect(rows).toEqual([
      { chat_id: '-100', thread_id: null, route: null },
      { chat_id: '-200', thread_id: null, route: 'b' },
      { chat_id: '-100', thread_id: 5, route: 'c' },
    ]);
    expect(store.pendingFor('-200', NOW, 10).map((r) => r.route)).toEqual(['b']);
    store.close();
  });

  it('a lost topic or a moved chat settles a copy already waiting there instead of failing', () => {
    const store = openStore({ dataDir: '', filename: ':memory:' });
    store.acceptMany([row({ threadId: 5 }), row({}), row({ chatId: '-300' }), row({ chatId: '-400', requestId: 'r2', dedupKey: 'k2' })]);
    store.dropThread('-100', 5);
    store.migrateChat('-300', '-100', NOW);
    store.migrateChat('-400', '-100', NOW);
    const rows = connectionOf(store).prepare(`SELECT chat_id, thread_id, state, request_id FROM outbox ORDER BY id`).all();
    expect(rows).toEqual([
      { chat_id: '-100', thread_id: 5, state: 'merged', request_id: 'r1' },
      { chat_id: '-100', thread_id: null, state: 'pending', request_id: 'r1' },
      { chat_id: '-300', thread_id: null, state: 'merged', request_id: 'r1' },
      { chat_id: '-100', thread_id: null, state: 'pending', request_id: 'r2' },
    ]);
    store.close();
  });
});
