// The dispatcher's side of one message per issue, with a short storm window: a late repeat
// starts a new message that replies to the old one and takes its buttons; a flood of late
// repeats in a group becomes a digest; a muted issue's repeats add nothing.
// The clock is real time plus `skipMs`: "a quiet hour later" is a jump of the clock, not a
// sleep, so a slow machine cannot stretch two quick repeats past the storm window.
import { asyncStore } from '../../src/store/async-store.js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../../src/deliver/dispatcher.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';
import { createTelegram } from '../../src/telegram/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { createIntake, type Intake } from '../../src/receive/intake.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { eventAlert } from './harness.js';

const GROUP = -1002000;

let tg: FakeTelegram;
let store: Store;
let dispatcher: Dispatcher;
let intake: Intake;
let skipMs = 0;
const now = () => Date.now() + skipMs;
const WINDOW_MS = 5000;

function setup(over: Partial<DispatcherOptions> = {}) {
  dispatcher = createDispatcher({
    store: asyncStore(store),
    telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 1000 }),
    logger: silentLogger(),
    status: createTelegramStatus(),
    pacing: { privateGapMs: 0, groupPerMinute: 600, globalPerSecond: 1000 },
    storm: { windowMs: WINDOW_MS, digestAfterMs: 300 },
    actions: { org: 'acme' },
    now,
    ...over,
  });
  intake = createIntake({ store: asyncStore(store), routeConfig: { chatId: String(GROUP) }, now, onAccepted: (ids) => dispatcher.wake(ids) });
  dispatcher.start();
}

async function accept(issueId: string) {
  const payload = eventAlert(issueId);
  return intake.accept({ body: Buffer.from(JSON.stringify(payload)), parsed: payload, resource: 'event_alert', requestId: undefined });
}

const idle = () => tg.waitFor(() => store.stats().pending === 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const labels = (m: { replyMarkup?: { inline_keyboard?: { text: string }[][] } }) => (m.replyMarkup?.inline_keyboard ?? []).flat().map((b) => b.text);

beforeEach(async () => {
  skipMs = 0;
  tg = await startFakeTelegram({ limits: false });
  tg.addChat({ id: GROUP, type: 'supergroup', title: 'Ops' });
  store = openStore({ dataDir: '', filename: ':memory:' });
});
afterEach(async () => {
  await dispatcher.stop(1000);
  store.close();
  await tg.close();
});

it('a repeat after a quiet storm window: a new message replying to the old one, with the buttons', async () => {
  setup();
  await accept('1');
  const first = await tg.waitFor((t) => t.messagesIn(GROUP)[0]);
  expect(labels(first)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
  await accept('1');
  await tg.waitFor(() => first.text.includes('Seen 2 times'));

  skipMs += WINDOW_MS + 1000;
  await accept('1');
  const second = await tg.waitFor((t) => t.messagesIn(GROUP)[1]);
  expect(second.replyTo).toBe(first.messageId);
  expect(second.text).not.toContain('Seen');
  expect(labels(second)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
  await tg.waitFor(() => first.replyMarkup === undefined);
  expect(store.callbackFor(String(GROUP), first.messageId)).toBeNull();
  expect(store.callbackFor(String(GROUP), second.messageId)?.issueId).toBe('1');
});

it('late repeats of many issues in a flooded group share one digest, and the next repeats update it', async () => {
  setup();
  for (const id of ['11', '12', '13', '14', '15']) {
    await accept(id);
    await idle();
  }
  const own = tg.messagesIn(GROUP);
  expect(own).toHaveLength(5);

  skipMs += WINDOW_MS + 1000;
  // Together, in one commit: the chat cannot take five messages within digestAfterMs.
  await Promise.all(['11', '12', '13', '14', '15'].map(accept));
  const digest = await tg.waitFor((t) => t.messagesIn(GROUP).find((m) => m.text.includes('SENTRY DIGEST')));
  await idle();
  expect(tg.messagesIn(GROUP)).toHaveLength(6);
  expect(digest.text).toContain('5 alerts');
  // Not a regression: the old messages keep their buttons.
  for (const m of own) expect(labels(m)).toContain('Resolve');

  await accept('11');
  await tg.waitFor(() => digest.text.includes('broken 11 ×2'));
  expect(tg.messagesIn(GROUP)).toHaveLength(6);
});

it('a muted issue: repeats are counted as muted, the message is not touched', async () => {
  setup();
  await accept('21');
  const msg = await tg.waitFor((t) => t.messagesIn(GROUP)[0]);
  store.addMute({ chatId: String(GROUP), issueId: '21', shortId: null, label: 'issue 21', until: Date.now() + 60_000, createdBy: null, createdAt: Date.now() });
  await accept('21');
  await accept('21');
  await idle();
  await sleep(100);
  expect(store.stats()).toMatchObject({ muted: 2, pending: 0 });
  expect(msg.edits).toBe(0);
  expect(tg.messagesIn(GROUP)).toHaveLength(1);
});
