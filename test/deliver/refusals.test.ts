// Telegram refusals that must not cost an alert: a closed forum topic (→ General topic) and a
// refused keyboard (→ the message without it). The fake Telegram enforces its real rate limits
// and the dispatcher runs with the production pacing.
import { asyncStore } from '../../src/store/async-store.js';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../src/deliver/dispatcher.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';
import { classifyTelegramError } from '../../src/deliver/telegram-verdict.js';
import { createTelegram } from '../../src/telegram/client.js';
import { TelegramApiError } from '../../src/telegram/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { createIntake, type Intake } from '../../src/receive/intake.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

const FORUM = -1007770001;
const TOPIC = 7;
const WEB_URL = 'https://sentry.io/organizations/acme/issues/55/';

let tg: FakeTelegram;
let store: Store;
let dispatcher: Dispatcher | undefined;
let lines: { level: number; msg: string; [k: string]: unknown }[];

function capturingLogger() {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return createLogger({ stream: sink, pretty: false, level: 'info' });
}

function start(actions: { org: string } | null = null): Intake {
  dispatcher = createDispatcher({
    store: asyncStore(store),
    telegram: createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000 }),
    logger: capturingLogger(),
    status: createTelegramStatus(),
    actions,
  });
  dispatcher.start();
  return createIntake({
    store: asyncStore(store),
    routeConfig: { chatId: String(FORUM), topicId: TOPIC },
    now: Date.now,
    onAccepted: (ids) => dispatcher!.wake(ids),
  });
}

let seq = 0;
async function accept(intake: Intake, issue = '55') {
  seq += 1;
  const payload = {
    action: 'triggered',
    data: {
      event: { event_id: `e${seq}`.padEnd(32, '0'), title: `Boom ${seq}`, level: 'error', issue_id: issue, web_url: WEB_URL },
      triggered_rule: 'rule',
    },
  };
  return intake.accept({ body: Buffer.from(JSON.stringify(payload)), parsed: payload, resource: 'event_alert', requestId: undefined });
}

beforeEach(async () => {
  lines = [];
  tg = await startFakeTelegram();
  tg.addChat({ id: FORUM, type: 'supergroup', title: 'Ops', isForum: true, topics: [TOPIC] });
  store = openStore({ dataDir: '', filename: ':memory:' });
});
afterEach(async () => {
  await dispatcher?.stop(1000);
  dispatcher = undefined;
  store.close();
  await tg.close();
});

describe('a closed forum topic', () => {
  it('the alert goes to the General topic, with a warning', async () => {
    tg.updateChat(FORUM, { closedTopics: [TOPIC] });
    const intake = start();
    const { id } = await accept(intake);
    const msg = await tg.waitFor((t) => t.messagesIn(FORUM)[0], 10_000);
    expect(msg.threadId).toBeUndefined();
    expect(msg.text).toContain('Boom');
    await tg.waitFor(() => store.row(id!)?.state === 'sent', 5000);
    expect(tg.callsTo('sendMessage')[0]!.response).toMatchObject({ description: 'Bad Request: TOPIC_CLOSED' });
    expect(lines.find((l) => l.level === 40 && /topic is closed/.test(l.msg))?.threadId).toBe(TOPIC);
    expect(tg.rateLimited).toBe(0);
  });

  it('an open topic still gets its alerts', async () => {
    const intake = start();
    await accept(intake);
    const msg = await tg.waitFor((t) => t.messagesIn(FORUM)[0], 10_000);
    expect(msg.threadId).toBe(TOPIC);
  });
});

describe('a refused keyboard', () => {
  it.each([
    'Bad Request: BUTTON_URL_INVALID',
    "Bad Request: inline keyboard button URL 'http://sentry:9000/x' is invalid: Wrong HTTP URL",
    'Bad Request: BUTTON_DATA_INVALID',
    "Bad Request: can't parse reply keyboard markup JSON object",
  ])('%s: the alert is sent again without buttons, never parked', async (description) => {
    tg.failNext('sendMessage', { status: 400, description });
    const intake = start();
    const { id } = await accept(intake);
    const msg = await tg.waitFor((t) => t.messagesIn(FORUM)[0], 10_000);
    expect(msg.replyMarkup).toBeUndefined();
    // The link is still in the text.
    expect(msg.entities).toContainEqual(expect.objectContaining({ type: 'text_link', url: WEB_URL }));
    await tg.waitFor(() => store.row(id!)?.state === 'sent', 5000);
    const sends = tg.callsTo('sendMessage');
    expect(sends.map((c) => c.status)).toEqual([400, 200]);
    expect(sends[0]!.params.reply_markup).toEqual({ inline_keyboard: [[{ text: 'View in Sentry', url: WEB_URL }]] });
    expect(sends[1]!.params.reply_markup).toBeUndefined();
    expect(lines.some((l) => l.level === 40 && /refused the buttons/.test(l.msg))).toBe(true);
  });

  it('an edit whose keyboard is refused is made without it', async () => {
    const intake = start({ org: 'acme' });
    await accept(intake, '56');
    const first = await tg.waitFor((t) => t.messagesIn(FORUM)[0], 10_000);
    expect(first.replyMarkup?.inline_keyboard?.flat().map((b) => b.text)).toEqual(['Resolve', 'Archive ▾', 'Open in Sentry']);
    tg.failNext('editMessageText', { status: 400, description: 'Bad Request: BUTTON_URL_INVALID' });
    const { id } = await accept(intake, '56');
    await tg.waitFor(() => store.row(id!)?.state === 'merged', 10_000);
    const edits = tg.callsTo('editMessageText');
    expect(edits.map((c) => c.status)).toEqual([400, 200]);
    expect(edits[1]!.params.reply_markup).toBeUndefined();
    expect(tg.messagesIn(FORUM)).toHaveLength(1);
    expect(tg.messagesIn(FORUM)[0]!.text).toContain('Seen 2 times');
  });
});

describe('classifying Telegram refusals', () => {
  const verdict = (code: number, description: string) => classifyTelegramError(new TelegramApiError('sendMessage', code, description, undefined));

  it.each([
    ['Bad Request: TOPIC_CLOSED', { kind: 'thread-gone', closed: true }],
    ['Bad Request: message thread not found', { kind: 'thread-gone', closed: false }],
    ['Bad Request: TOPIC_DELETED', { kind: 'thread-gone', closed: false }],
    ['Bad Request: BUTTON_URL_INVALID', { kind: 'bad-markup' }],
    ['Bad Request: REPLY_MARKUP_INVALID', { kind: 'bad-markup' }],
    ['Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays', { kind: 'bad-markup' }],
    // Mentions the reply markup, but means "nothing to change".
    [
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      { kind: 'not-modified' },
    ],
    ['Bad Request: message to be replied not found', { kind: 'fatal' }],
  ])('%s', (description, expected) => {
    expect(verdict(400, description)).toMatchObject(expected);
  });
});
