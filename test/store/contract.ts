// The store's contract, run against every backend (contract.sqlite.test.ts and
// pg/contract.pg.test.ts): the same calls must give the same answers on SQLite and PostgreSQL.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AsyncStore } from '../../src/store/async-store.js';
import type { MessageRow, NewAlertRow } from '../../src/store/store.js';

export type StoreFactory = () => Promise<{ store: AsyncStore; cleanup: () => Promise<void> }>;

export function alertRow(over: Partial<NewAlertRow> = {}): NewAlertRow {
  return {
    receivedAt: 1000, requestId: null, dedupKey: null, resource: 'event_alert', action: 'triggered',
    body: Buffer.from('{"a":1}'), chatId: '-100', threadId: null, groupKey: null, ...over,
  };
}

export function messageRow(over: Partial<MessageRow> = {}): MessageRow {
  return {
    chatId: '-100', messageId: 1, threadId: null, groupKey: 'issue:1', kind: 'alert', count: 1, firstSeen: 1000,
    lastSeen: 1000, alertId: null, content: null, updatedAt: 1000, issueId: '1', status: 'unresolved', substatus: null,
    assignee: null, statusLine: null, changedBy: null, changedAt: null, ...over,
  };
}

export function storeContract(open: StoreFactory): void {
  let store: AsyncStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await open());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('accepts rows in one call and reports duplicates by Request-ID and by dedup key', async () => {
    const first = await store.acceptMany([
      alertRow({ requestId: 'r1', dedupKey: 'e1', body: Buffer.from([0, 1, 2, 255]), alert: '{"title":"x"}' }),
      alertRow({ requestId: 'r2', dedupKey: 'e2' }),
    ]);
    expect(first.map((r) => r.duplicate)).toEqual([false, false]);
    expect(first[0]!.id).not.toBeNull();
    expect(first[1]!.id).toBeGreaterThan(first[0]!.id!);
    const again = await store.acceptMany([
      alertRow({ requestId: 'r1', dedupKey: 'other' }),
      alertRow({ requestId: 'r3', dedupKey: 'e2' }),
      alertRow({ requestId: 'r4', dedupKey: 'e4' }),
      alertRow({ requestId: 'r4', dedupKey: 'e5' }),
    ]);
    expect(again.map((r) => r.duplicate)).toEqual([true, true, false, true]);
    expect(again[0]!.id).toBeNull();
    expect(await store.content(first[0]!.id!)).toEqual({ body: Buffer.from([0, 1, 2, 255]), alert: '{"title":"x"}' });
    expect(await store.content(first[1]!.id!)).toEqual({ body: Buffer.from('{"a":1}'), alert: null });
    expect(await store.body(first[1]!.id!)).toEqual(Buffer.from('{"a":1}'));
    expect(await store.content(999_999)).toBeNull();
    // The bulk read: every row asked for in one call, by id; unknown ids are absent. The body
    // comes only where no normalised alert was stored (delivery reads one or the other).
    const many = await store.contents([first[1]!.id!, 999_999, first[0]!.id!]);
    expect([...many.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [first[0]!.id!, { body: null, alert: '{"title":"x"}' }],
      [first[1]!.id!, { body: Buffer.from('{"a":1}'), alert: null }],
    ]);
    expect((await store.contents([])).size).toBe(0);
    expect(await store.body(999_999)).toBeNull();
    expect(await store.row(999_999)).toBeUndefined();
    expect((await store.stats()).pending).toBe(3);
  });

  it('lists due rows per chat in order, with when each chat is next due', async () => {
    const [a, b, c] = await store.acceptMany([
      alertRow({ receivedAt: 100, chatId: '-1', threadId: 7, groupKey: 'issue:9' }),
      alertRow({ receivedAt: 300, chatId: '-1' }),
      alertRow({ receivedAt: 200, chatId: '42' }),
    ]);
    expect(await store.pendingFor('-1', 250, 10)).toEqual([
      { id: a!.id, receivedAt: 100, resource: 'event_alert', action: 'triggered', chatId: '-1', threadId: 7, groupKey: 'issue:9', attempts: 0, nextAttemptAt: 100, route: null },
    ]);
    expect((await store.pendingFor('-1', 300, 10)).map((r) => r.id)).toEqual([a!.id, b!.id]);
    expect((await store.pendingFor('-1', 300, 1)).map((r) => r.id)).toEqual([a!.id]);
    expect((await store.dueChats()).sort((x, y) => x.chatId.localeCompare(y.chatId))).toEqual([
      { chatId: '-1', dueAt: 100 },
      { chatId: '42', dueAt: 200 },
    ]);
    expect(await store.chatDueAt('42')).toBe(200);
    expect(await store.chatDueAt('nobody')).toBeNull();
    await store.finish([c!.id!], 'sent', 5, 400);
    expect(await store.chatDueAt('42')).toBeNull();
  });

  it('finishes, retries and parks rows, with one attempt row per call, and counts them in stats', async () => {
    const ids = (await store.acceptMany([1, 2, 3, 4, 5].map((i) => alertRow({ receivedAt: i * 10, dedupKey: `k${i}`, groupKey: 'g' })))).map((r) => r.id!);
    await store.finish([ids[0]!, ids[1]!], 'sent', 77, 1000);
    await store.finish([ids[0]!], 'merged', 99, 1100); // already done: unchanged
    expect(await store.row(ids[0]!)).toEqual({ id: ids[0], state: 'sent', messageId: 77, chatId: '-100', lastError: null, route: null });
    await store.retryLater([ids[2]!], 5000, 'Too Many Requests', 1200);
    expect(await store.pendingFor('-100', 4999, 10)).toEqual([expect.objectContaining({ id: ids[3] }), expect.objectContaining({ id: ids[4] })]);
    expect(await store.pendingFor('-100', 5000, 10)).toContainEqual(expect.objectContaining({ id: ids[2], attempts: 1, nextAttemptAt: 5000 }));
    expect((await store.row(ids[2]!))!.lastError).toBe('Too Many Requests');
    await store.park([ids[3]!], 'chat not found', 1300);
    await store.finish([ids[4]!], 'muted', null, 1400);
    await store.noteAttempt(ids[2]!, 'plain', 'formatting refused', 1250);
    expect(await store.stats()).toEqual({
      pending: 1, parked: 1, lastParked: { at: 1300, reason: 'chat not found' }, lastDeliveredAt: 1000, oldestPendingAt: 30, muted: 1,
      pendingByRoute: [{ route: null, pending: 1, oldestPendingAt: 30 }],
    });
    expect(await store.recentFailures(0)).toEqual([
      { alertId: ids[3], at: 1300, outcome: 'parked', detail: 'chat not found' },
      { alertId: ids[2], at: 1250, outcome: 'plain', detail: 'formatting refused' },
      { alertId: ids[2], at: 1200, outcome: 'retry', detail: 'Too Many Requests' },
    ]);
    expect(await store.recentFailures(1260, 1)).toEqual([expect.objectContaining({ outcome: 'parked' })]);
    expect(await store.mutedSince('-100', 'g', 1400)).toBe(1);
    expect(await store.mutedSince('-100', 'g', 1401)).toBe(0);
    await store.finish([], 'sent', 1, 1);
    await store.retryLater([], 1, 'x', 1);
    await store.park([], 'x', 1);
  });

  it('empty stats on an empty store', async () => {
    expect(await store.stats()).toEqual({
      pending: 0, parked: 0, lastParked: null, lastDeliveredAt: null, oldestPendingAt: null, muted: 0, pendingByRoute: [],
    });
    expect(await store.dueChats()).toEqual([]);
  });

  it('counts waiting rows per route, with the oldest of each; rows no longer waiting are not counted', async () => {
    const rows = await store.acceptMany([
      alertRow({ requestId: 'a', receivedAt: 500, route: 'ops' }),
      alertRow({ requestId: 'b', receivedAt: 200, route: 'ops' }),
      alertRow({ requestId: 'c', receivedAt: 300, route: 'web' }),
      alertRow({ requestId: 'd', receivedAt: 400, route: null }),
      alertRow({ requestId: 'e', receivedAt: 100, route: 'web' }),
    ]);
    await store.park([rows[4]!.id!], 'chat not found', 600);
    const stats = await store.stats();
    expect(stats.pendingByRoute).toEqual([
      { route: null, pending: 1, oldestPendingAt: 400 },
      { route: 'ops', pending: 2, oldestPendingAt: 200 },
      { route: 'web', pending: 1, oldestPendingAt: 300 },
    ]);
    expect(stats.pendingByRoute.reduce((n, r) => n + r.pending, 0)).toBe(stats.pending);
  });

  it('moves waiting rows of a migrated chat and of a deleted topic', async () => {
    const [a, b] = await store.acceptMany([alertRow({ chatId: '-5', threadId: 3 }), alertRow({ chatId: '-5', threadId: 4, dedupKey: 'x' })]);
    await store.dropThread('-5', 3);
    expect((await store.pendingFor('-5', 5000, 10)).map((r) => [r.id, r.threadId])).toEqual([[a!.id, null], [b!.id, 4]]);
    await store.migrateChat('-5', '-1005', 2000);
    expect(await store.migratedTo('-5')).toBe('-1005');
    expect(await store.migratedTo('-1005')).toBeNull();
    expect(await store.pendingFor('-5', 5000, 10)).toEqual([]);
    expect(await store.pendingFor('-1005', 5000, 10)).toHaveLength(2);
  });

  it('keeps one row per target: the same Request-ID fans out to two chats and topics, once each', async () => {
    const targets = [
      { chatId: '-1', threadId: null, route: 'backend' },
      { chatId: '-2', threadId: 7, route: 'frontend' },
      { chatId: '-2', threadId: null, route: 'default' },
    ];
    const first = await store.acceptMany(targets.map((t) => alertRow({ requestId: 'r1', dedupKey: 'e1', ...t })));
    expect(first.map((r) => r.duplicate)).toEqual([false, false, false]);
    const again = await store.acceptMany(targets.map((t) => alertRow({ requestId: 'r1', dedupKey: 'e1', ...t })));
    expect(again.map((r) => r.duplicate)).toEqual([true, true, true]);
    const rows = await store.pendingFor('-2', 5000, 10);
    expect(rows.map((r) => [r.threadId, r.route])).toEqual([[7, 'frontend'], [null, 'default']]);
    expect((await store.row(first[0]!.id!))?.route).toBe('backend');
    // The topic is deleted while the same alert also waits for the General topic: posted there once.
    await store.dropThread('-2', 7);
    expect((await store.pendingFor('-2', 5000, 10)).map((r) => r.id)).toEqual([first[2]!.id]);
    expect((await store.row(first[1]!.id!))?.state).toBe('merged');
    // The chat moves to where a copy already waits: one copy stays pending there.
    await store.migrateChat('-1', '-2', 2000);
    expect((await store.pendingFor('-2', 5000, 10)).map((r) => r.id)).toEqual([first[2]!.id]);
    expect((await store.row(first[0]!.id!))?.state).toBe('merged');
  });

  it('keeps one message per issue and finds it by group and by short id', async () => {
    await store.saveMessage(messageRow({ messageId: 10, content: JSON.stringify({ alert: { shortId: 'FRONT-END-9' } }) }));
    await store.saveMessage(messageRow({ messageId: 12, content: JSON.stringify({ alert: { shortId: 'FRONT-END-9' } }) }));
    await store.saveMessage(messageRow({ messageId: 11, groupKey: 'other', issueId: '2', content: 'not json' }));
    expect((await store.messageForGroup('issue:1', '-100'))!.messageId).toBe(12);
    expect(await store.messageForGroup('issue:1', '-999')).toBeNull();
    await store.saveMessage(messageRow({ messageId: 12, count: 3, lastSeen: 2000, status: 'resolved', statusLine: '✅ Resolved', changedBy: '@jane', changedAt: 1900, content: JSON.stringify({ alert: { shortId: 'FRONT-END-9' } }) }));
    expect(await store.message('-100', 12)).toEqual(
      messageRow({ messageId: 12, count: 3, lastSeen: 2000, status: 'resolved', statusLine: '✅ Resolved', changedBy: '@jane', changedAt: 1900, content: JSON.stringify({ alert: { shortId: 'FRONT-END-9' } }) }),
    );
    expect(await store.issueForShortId('-100', 'front-end-9')).toBe('1');
    expect(await store.issueForShortId('-100', 'NOPE-1')).toBeNull();
    await store.forgetMessage('-100', 12);
    expect(await store.message('-100', 12)).toBeNull();
    expect((await store.messageForGroup('issue:1', '-100'))!.messageId).toBe(10);
    await store.saveDigestEntries('-100', ['a', 'b'], 50);
    await store.saveDigestEntries('-100', ['b'], 51);
    expect([await store.digestFor('-100', 'a'), await store.digestFor('-100', 'b'), await store.digestFor('-100', 'c')]).toEqual([50, 51, null]);
  });

  it('keeps button keys, moves them with a replaced message and drops them', async () => {
    await store.saveMessage(messageRow({ messageId: 20 }));
    await store.saveCallback({ key: 'k1', chatId: '-100', messageId: 20, issueId: '1', org: 'acme', createdAt: 5 });
    expect(await store.callback('k1')).toEqual({ key: 'k1', chatId: '-100', messageId: 20, issueId: '1', org: 'acme', createdAt: 5 });
    await store.replaceMessage({ chatId: '-100', messageId: 20 }, messageRow({ messageId: 21 }));
    expect(await store.message('-100', 20)).toBeNull();
    expect((await store.message('-100', 21))!.messageId).toBe(21);
    expect((await store.callbackFor('-100', 21))!.key).toBe('k1');
    expect(await store.callbackFor('-100', 20)).toBeNull();
    await store.dropCallbacks('-100', 21);
    expect(await store.callback('k1')).toBeNull();
  });

  it('mutes an issue by id or short id (any case), one mute per issue, until it ends', async () => {
    const mute = { chatId: '-100', issueId: '7', shortId: 'API-3', label: 'API-3', until: 5000, createdBy: '@jane', createdAt: 1000 };
    await store.addMute(mute);
    await store.addMute({ ...mute, until: 9000 });
    expect(await store.activeMutes(1000)).toEqual([{ ...mute, until: 9000, id: expect.any(Number) }]);
    expect((await store.activeMute('-100', null, 'api-3', 8999))!.until).toBe(9000);
    expect(await store.activeMute('-100', '7', null, 9000)).toBeNull();
    expect(await store.activeMute('-100', null, null, 0)).toBeNull();
    expect(await store.activeMute('-200', '7', null, 0)).toBeNull();
    expect(await store.removeMutes('-100', null, 'Api-3')).toBe(1);
    expect(await store.removeMutes('-100', '7', null)).toBe(0);
  });

  it('keeps small values by key', async () => {
    expect(await store.kvGet('telegram.updates.offset')).toBeNull();
    await store.kvSet('telegram.updates.offset', '41');
    await store.kvSet('telegram.updates.offset', '42');
    expect(await store.kvGet('telegram.updates.offset')).toBe('42');
  });

  it('commits a transaction whole, and rolls it back whole when it throws', async () => {
    await store.transaction(async (tx) => {
      await tx.saveMessage(messageRow({ messageId: 30 }));
      await tx.kvSet('a', '1');
    });
    expect(await store.message('-100', 30)).not.toBeNull();
    await expect(
      store.transaction(async (tx) => {
        await tx.saveMessage(messageRow({ messageId: 31 }));
        await tx.migrateChat('-100', '-200', 1); // a method with its own transaction joins this one
        await tx.kvSet('a', '2');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.message('-100', 31)).toBeNull();
    expect(await store.migratedTo('-100')).toBeNull();
    expect(await store.kvGet('a')).toBe('1');
    await store.durable();
  });

  it('shows nothing of an open transaction to other callers, and nothing at all once it rolled back', async () => {
    let resume!: () => void;
    const paused = new Promise<void>((r) => (resume = r));
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const tx = store.transaction(async (t) => {
      await t.kvSet('seen', 'uncommitted');
      wrote();
      await paused;
      throw new Error('rolled back');
    });
    await written;
    const outside = store.kvGet('seen');
    resume();
    await expect(tx).rejects.toThrow('rolled back');
    expect(await outside).toBeNull();
    expect(await store.kvGet('seen')).toBeNull();
  });

  it('prunes delivered rows and old bookkeeping, keeping pending and parked rows', async () => {
    const ids = (await store.acceptMany([1, 2, 3, 4].map((i) => alertRow({ dedupKey: `p${i}` })))).map((r) => r.id!);
    await store.finish([ids[0]!], 'sent', 1, 100);
    await store.finish([ids[1]!], 'sent', 1, 900);
    await store.park([ids[2]!], 'gone', 100);
    await store.saveMessage(messageRow({ messageId: 1, updatedAt: 100 }));
    await store.saveCallback({ key: 'old', chatId: '-100', messageId: 1, issueId: '1', org: 'o', createdAt: 100 });
    await store.saveMessage(messageRow({ messageId: 2, updatedAt: 900 }));
    await store.saveDigestEntries('-100', ['g'], 1);
    await store.addMute({ chatId: '-100', issueId: '1', shortId: null, label: 'x', until: 100, createdBy: null, createdAt: 0 });
    expect(await store.prune(500)).toBe(1);
    expect(await store.row(ids[0]!)).toBeUndefined();
    expect((await store.row(ids[1]!))!.state).toBe('sent');
    expect((await store.row(ids[2]!))!.state).toBe('parked');
    expect((await store.row(ids[3]!))!.state).toBe('pending');
    expect(await store.message('-100', 1)).toBeNull();
    expect(await store.message('-100', 2)).not.toBeNull();
    expect(await store.callback('old')).toBeNull();
    expect(await store.digestFor('-100', 'g')).toBeNull();
    expect(await store.activeMutes(0)).toEqual([]);
  });
}
