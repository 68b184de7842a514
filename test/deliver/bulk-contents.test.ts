// The planner reads the alerts of a chat's waiting rows in one query per issue (store.contents),
// not one query per row: on PostgreSQL each query is a round trip, and a storm's issue may hold
// hundreds of rows. Real SQLite store, real dispatcher, fake Telegram.
import { afterEach, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../src/deliver/dispatcher.js';
import { silentLogger } from '../../src/log/logger.js';
import { createIntake } from '../../src/receive/intake.js';
import { asyncStore, type AsyncStore } from '../../src/store/async-store.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createTelegram } from '../../src/telegram/client.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

const CHAT = 4343;
let tg: FakeTelegram | undefined;
let store: Store | undefined;
let dispatcher: Dispatcher | undefined;
afterEach(async () => {
  await dispatcher?.stop(1000);
  store?.close();
  await tg?.close();
});

it('plans an issue with five waiting rows from one contents() call', async () => {
  tg = await startFakeTelegram({ limits: false });
  tg.addChat({ id: CHAT, type: 'private', firstName: 'Ops' });
  store = openStore({ dataDir: '', filename: ':memory:' });
  const real = asyncStore(store);
  const bulk: number[][] = [];
  let single = 0;
  const counted: AsyncStore = {
    ...real,
    contents: (ids) => (bulk.push([...ids]), real.contents(ids)),
    content: (id) => (single++, real.content(id)),
  };
  const intake = createIntake({ store: counted, routeConfig: { chatId: String(CHAT) }, now: Date.now, onAccepted: () => {} });
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const p = {
      action: 'triggered',
      data: { event: { event_id: `bulk${i}`.padEnd(32, '0'), title: 'BulkError', level: 'error', issue_id: '808', web_url: 'https://sentry.io/organizations/acme/issues/808/' }, triggered_rule: 'r' },
    };
    ids.push((await intake.accept({ body: Buffer.from(JSON.stringify(p)), parsed: p, resource: 'event_alert', requestId: undefined })).id!);
  }
  dispatcher = createDispatcher({
    store: counted,
    telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000 }),
    logger: silentLogger(),
    status: createTelegramStatus(),
    pacing: { privateGapMs: 20, groupPerMinute: 3000, globalPerSecond: 1000 },
  });
  dispatcher.start();
  await expect.poll(async () => (await real.stats()).pending, { timeout: 10_000 }).toBe(0);
  expect(tg.messagesIn(CHAT).length).toBeGreaterThanOrEqual(1);
  expect(tg.messagesIn(CHAT)[0]!.text).toContain('BulkError');
  // The five rows were read together; at most the unit's first row is read again on its own.
  expect(bulk.some((b) => [...b].sort((x, y) => x - y).join() === ids.join())).toBe(true);
  expect(single).toBeLessThanOrEqual(1);
});
