// Quiet hours per route, with a fake clock handed to the pipeline (intake and dispatcher): inside
// the window a new message goes out with disable_notification, except the loud levels; outside
// it, and in a chat whose route has no quiet hours, it rings. Decided when the message is sent,
// not when Sentry called. Real store, real client, the fake Telegram with its real limits.
import { asyncStore } from '../../src/store/async-store.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { wirePipeline, type Pipeline } from '../../src/pipeline/wire.js';
import { loadRoutes } from '../../src/route/routes-file.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createTelegram } from '../../src/telegram/client.js';
import { startFakeTelegram, type FakeMessage, type FakeTelegram } from '../fakes/telegram.js';

const NIGHT_QUIET = -1002000000001;
const NIGHT_LOUD = -1002000000002;
const DAY = -1002000000003;
const NO_QUIET = -1002000000004;
const LATE = -1002000000005;
const CHATS = [NIGHT_QUIET, NIGHT_LOUD, DAY, NO_QUIET, LATE];

// Moscow is UTC+3 all year: 21:30 UTC is 00:30 there (inside 22:00–08:00), 09:00 UTC is 12:00.
const NIGHT = Date.parse('2026-01-15T21:30:00Z');
const NOON = Date.parse('2026-01-15T09:00:00Z');

const quiet = `quiet: { from: "22:00", to: "08:00", tz: "Europe/Moscow", loud_levels: [fatal] }`;
const ROUTES = `
routes:
  - { name: night-quiet, match: { project: a }, chat: "${NIGHT_QUIET}", ${quiet} }
  - { name: night-loud, match: { project: b }, chat: "${NIGHT_LOUD}", ${quiet} }
  - { name: day, match: { project: c }, chat: "${DAY}", ${quiet} }
  - { name: no-quiet, match: { project: d }, chat: "${NO_QUIET}" }
  - { name: late, match: { project: e }, chat: "${LATE}", ${quiet} }
`;

let tg: FakeTelegram;
let store: Store;
let pipeline: Pipeline;
/** The fake clock: a chosen wall time that moves on with real time (pacing needs time to pass). */
let base = NIGHT;
let startedReal = Date.now();
const now = () => base + (Date.now() - startedReal);
const setClock = (at: number) => {
  base = at;
  startedReal = Date.now();
};

let seq = 0;
function accept(project: string, level: string) {
  seq += 1;
  const eventId = String(seq).padStart(32, 'e');
  const payload = {
    action: 'triggered',
    data: {
      event: {
        event_id: eventId,
        title: `Failure ${seq}`,
        level,
        issue_id: String(900 + seq),
        web_url: `https://sentry.io/organizations/acme/issues/${900 + seq}/`,
        url: `https://sentry.io/api/0/projects/acme/${project}/events/${eventId}/`,
      },
      triggered_rule: 'rule',
    },
  };
  return pipeline.intake.accept({ body: Buffer.from(JSON.stringify(payload)), parsed: payload, resource: 'event_alert', requestId: undefined });
}

const only = async (chat: number): Promise<FakeMessage> => {
  const [m] = await tg.waitFor((t) => (t.messagesIn(chat).length === 1 ? t.messagesIn(chat) : null), 15_000);
  return m!;
};

beforeEach(async () => {
  tg = await startFakeTelegram();
  for (const id of CHATS) tg.addChat({ id, type: 'supergroup', title: `chat ${id}` });
  store = openStore({ dataDir: '', filename: ':memory:' });
  pipeline = wirePipeline({
    store: asyncStore(store),
    telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000 }),
    logger: silentLogger(),
    routes: loadRoutes(ROUTES, 'quiet.routes.yaml'),
    now,
  });
});
afterEach(async () => {
  await pipeline.dispatcher.stop(1000);
  store.close();
  await tg.close();
});

describe('quiet hours', () => {
  it('posts silently inside the window, rings for a loud level, outside it, and without quiet hours', async () => {
    // The clock only moves forward (pacing reads it too): noon first, then the night.
    pipeline.dispatcher.start();
    setClock(NOON);
    await accept('c', 'error');
    expect((await only(DAY)).disableNotification).toBe(false);

    setClock(NIGHT);
    await accept('a', 'error');
    await accept('b', 'fatal');
    await accept('d', 'error');
    expect((await only(NIGHT_QUIET)).disableNotification).toBe(true);
    expect((await only(NIGHT_LOUD)).disableNotification).toBe(false);
    expect((await only(NO_QUIET)).disableNotification).toBe(false);
    // The quiet one was not sent silently for want of a flag: the others carry none at all.
    const params = tg.callsTo('sendMessage').map((c) => c.params['disable_notification']);
    expect(params.filter((p) => p !== undefined)).toHaveLength(1);
  });

  it('decides at send time: accepted at noon, sent after 22:00, it goes out silently', async () => {
    setClock(NOON);
    await accept('e', 'error');
    setClock(NIGHT);
    pipeline.dispatcher.start();
    expect((await only(LATE)).disableNotification).toBe(true);
  });
});
