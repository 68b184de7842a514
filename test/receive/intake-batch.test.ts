// Group commit at the insert: webhooks accepted in the same turn of the event loop share one
// transaction and one fsync of the write-ahead log, and each is answered only after that fsync.
// A batch whose commit fails stores none of its alerts and rejects every one of them (the
// webhook handler turns that into a 503). Real store on disk, fsync mode full (the default).
import { asyncStore } from '../../src/store/async-store.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalise } from '../../src/normalise/normalise.js';
import { AcceptTimeoutError, createIntake } from '../../src/receive/intake.js';
import { describeStorageError } from '../../src/receive/storage-status.js';
import { openStore, type FdatasyncFn, type Store } from '../../src/store/store.js';
import { connectionOf } from '../../src/store/testing.js';
import { fixture, tempDir } from '../helpers.js';

let dir: ReturnType<typeof tempDir>;
let store: Store;
let syncs: { fd: number; done: (err: NodeJS.ErrnoException | null) => void }[];
const heldSync: FdatasyncFn = (fd, done) => void syncs.push({ fd, done });

beforeEach(() => {
  dir = tempDir('sentry-tg-intake-');
  syncs = [];
  store = openStore({ dataDir: dir.path, fdatasync: heldSync });
});
afterEach(() => {
  store.close();
  dir.cleanup();
});

let seq = 0;
function input() {
  const body = structuredClone(fixture('event_alert.triggered.json')) as { data: { event: { event_id: string } } };
  body.data.event.event_id = `ab${(seq++).toString(16)}`.padEnd(32, '0');
  return { body: Buffer.from(JSON.stringify(body)), parsed: body, resource: 'event_alert', requestId: undefined };
}

const count = () => (connectionOf(store).prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
const tick = () => new Promise((r) => setImmediate(r));

describe('intake: one transaction and one fsync per batch', () => {
  it('commits requests of one turn together and answers none of them before the fsync', async () => {
    const intake = createIntake({ store: asyncStore(store), routeConfig: { chatId: '42' }, now: Date.now, onAccepted: () => {} });
    const settled: number[] = [];
    const answers = [0, 1, 2, 3, 4].map((i) => intake.accept(input()).then((a) => (settled.push(i), a)));
    await tick();
    await tick();
    // All five rows are in the database, behind a single fsync that has not completed.
    expect(count()).toBe(5);
    expect(syncs).toHaveLength(1);
    expect(settled).toEqual([]);
    syncs[0]!.done(null);
    const accepted = await Promise.all(answers);
    expect(settled).toHaveLength(5);
    expect(new Set(accepted.map((a) => a.id)).size).toBe(5);
  });

  it('a batch whose commit fails stores none of its alerts and rejects all of them', async () => {
    const intake = createIntake({ store: asyncStore(store), routeConfig: { chatId: '42' }, now: Date.now, onAccepted: () => {} });
    // The third insert of the batch fails inside the transaction, after two went in.
    connectionOf(store).exec(
      `CREATE TEMP TRIGGER third_fails BEFORE INSERT ON outbox WHEN (SELECT COUNT(*) FROM outbox) >= 2
       BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
    const answers = [0, 1, 2, 3].map(() => intake.accept(input()));
    for (const a of answers) await expect(a).rejects.toThrow(/disk is full/);
    expect(count()).toBe(0);
    expect(syncs).toHaveLength(0);
  });

  it('a failed fsync rejects every request of the batch', async () => {
    const intake = createIntake({ store: asyncStore(store), routeConfig: { chatId: '42' }, now: Date.now, onAccepted: () => {} });
    const answers = [0, 1, 2].map(() => intake.accept(input()));
    await tick();
    await tick();
    expect(syncs).toHaveLength(1);
    syncs[0]!.done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    for (const a of answers) await expect(a).rejects.toThrow(/EIO/);
  });

  it('stores the normalised alert with the row', async () => {
    const intake = createIntake({ store: asyncStore(store), routeConfig: { chatId: '42' }, now: Date.now, onAccepted: () => {} });
    const given = input();
    const pending = intake.accept(given);
    await tick();
    await tick();
    syncs[0]!.done(null);
    const { id } = await pending;
    const stored = store.content(id!)!;
    expect(JSON.parse(stored.alert!)).toEqual(normalise({ resource: 'event_alert', body: given.parsed }));
    expect(stored.body.equals(given.body)).toBe(true);
  });
});

describe('intake: a commit not confirmed in time (acceptTimeoutMs)', () => {
  it('rejects the webhook (503) and marks storage failed, though the row may still commit; never resolves it later', async () => {
    const failures: unknown[] = [];
    const intake = createIntake({
      store: asyncStore(store),
      routeConfig: { chatId: '42' },
      now: Date.now,
      onAccepted: () => {},
      storage: { failed: (_at, err) => void failures.push(err), ok: () => {} },
      acceptTimeoutMs: 50,
    });
    let settled: 'resolved' | Error | null = null;
    const answer = intake.accept(input()).then(
      () => (settled = 'resolved'),
      (err: Error) => (settled = err),
    );
    // The fsync is held: the commit's durability is never confirmed.
    await answer;
    expect(settled).toBeInstanceOf(AcceptTimeoutError);
    expect((settled as unknown as Error).message).toBe('the database did not confirm the commit within 50 ms');
    expect(failures).toHaveLength(1);
    expect(describeStorageError(failures[0])).toMatch(/^the database server did not answer in time/);
    // The row is in the database (it may be delivered), but the sender was never told it is safe.
    expect(count()).toBe(1);
    for (const s of syncs) s.done(null);
    await tick();
    expect(settled).toBeInstanceOf(AcceptTimeoutError);
  });
});
