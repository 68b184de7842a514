// Schema 2 on a database written by schema 1: issue keys lose the project, messages learn
// their issue, the new tables exist, and a restart does not migrate twice.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers.js';
import { connectionOf } from '../../src/store/testing.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('sentry-tg-migrate-');
});
afterEach(() => dir.cleanup());

it('upgrades a schema-1 database in place', () => {
  const file = join(dir.path, 'sentry-tg.db');
  const old = new Database(file);
  old.exec(MIGRATIONS[0]!);
  old.pragma('user_version = 1');
  const insertRow = old.prepare(
    `INSERT INTO inbox (received_at, resource, action, body, chat_id, group_key, state) VALUES (1, 'event_alert', 'triggered', x'7b7d', '-100', ?, ?)`,
  );
  insertRow.run('issue:web:42', 'pending');
  insertRow.run('issue::43', 'sent');
  insertRow.run(null, 'pending');
  old
    .prepare(
      `INSERT INTO messages (chat_id, message_id, group_key, kind, count, first_seen, last_seen, content, updated_at) VALUES ('-100', 5, 'issue:web:42', 'alert', 3, 1, 2, '{"alert":{}}', 2)`,
    )
    .run();
  old.prepare(`INSERT INTO digest_entries (chat_id, group_key, message_id) VALUES ('-100', 'issue:Front End:7', 6)`).run();
  old.close();

  const store = openStore({ dataDir: dir.path });
  expect(connectionOf(store).pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  expect(connectionOf(store).prepare('SELECT group_key AS k FROM outbox ORDER BY id').all()).toEqual([{ k: 'issue:42' }, { k: 'issue:43' }, { k: null }]);
  expect(store.messageForGroup('issue:42', '-100')).toMatchObject({
    messageId: 5,
    count: 3,
    issueId: '42',
    status: null,
    statusLine: null,
  });
  expect(store.digestFor('-100', 'issue:7')).toBe(6);
  expect(store.callback('abcdefghij')).toBeNull();
  expect(store.activeMutes(Date.now())).toEqual([]);
  expect(store.stats().muted).toBe(0);
  store.close();

  const again = openStore({ dataDir: dir.path });
  expect(connectionOf(again).pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  expect(again.messageForGroup('issue:42', '-100')?.issueId).toBe('42');
  again.close();
});

it('mutes: one per issue and chat, found by issue id or short id until they end', () => {
  const store = openStore({ dataDir: '', filename: ':memory:' });
  const base = { chatId: '-100', createdBy: '1', createdAt: 1000 };
  store.addMute({ ...base, issueId: '42', shortId: 'WEB-7', label: 'WEB-7', until: 5000 });
  store.addMute({ ...base, issueId: '42', shortId: null, label: 'issue 42', until: 9000 });
  store.addMute({ ...base, issueId: null, shortId: 'API-1', label: 'API-1', until: 9000 });
  expect(store.activeMutes(2000).map((m) => m.label)).toEqual(['issue 42', 'API-1']);
  expect(store.activeMute('-100', '42', null, 8999)?.label).toBe('issue 42');
  expect(store.activeMute('-100', '42', null, 9000)).toBeNull();
  expect(store.activeMute('-999', '42', null, 2000)).toBeNull();
  expect(store.activeMute('-100', null, 'api-1', 2000)?.label).toBe('API-1');
  expect(store.activeMute('-100', null, null, 2000)).toBeNull();
  expect(store.removeMutes('-100', null, 'API-1')).toBe(1);
  expect(store.removeMutes('-100', null, 'API-1')).toBe(0);
  store.close();
});
