// Self-hosted Sentry at a host without a dot (`http://sentry:9000`), sent through the running
// receiver into the fake Telegram with its real rules (dotless URL buttons are refused with
// BUTTON_URL_INVALID, rate limits on) and the production pacing: every alert arrives, with its
// link as text to copy. And a known resource in a shape we do not read still shows what it has.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../src/pipeline/receiver.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { fixture, sentryRequest, serveSettings, tempDir } from '../helpers.js';

const CHAT = -1001234567890;
const SELF_HOSTED = 'http://sentry:9000';
const WEB_URL = `${SELF_HOSTED}/organizations/acme/issues/4502117833/events/7f3c2a9e51d84b06a1e4c0d2b8f96e13/`;

let tg: FakeTelegram;
let receiver: Receiver;
let dir: ReturnType<typeof tempDir>;
let lines: { level: number; msg: string; [k: string]: unknown }[];

function capturingLogger(): Logger {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return createLogger({ stream: sink, pretty: false, level: 'info' });
}

async function start(writeBack: boolean): Promise<void> {
  lines = [];
  tg = await startFakeTelegram();
  tg.addChat({ id: CHAT, type: 'supergroup', title: 'alerts' });
  dir = tempDir();
  const actions = writeBack
    ? { sentryAuthToken: 'sntryu_fake-test-token-0000', sentryOrg: 'acme', allowedUsers: [424242] }
    : {};
  receiver = await startReceiver({
    settings: serveSettings({
      telegramToken: tg.token,
      chatId: String(CHAT),
      dataDir: dir.path,
      telegramApiRoot: tg.url,
      sentryUrl: SELF_HOSTED,
      ...actions,
    }),
    logger: capturingLogger(),
  });
}

afterEach(async () => {
  await receiver.close();
  await tg.close();
  dir.cleanup();
});

/** The published event_alert, as a self-hosted Sentry at http://sentry:9000 sends it. */
function selfHostedAlert(): unknown {
  const payload = structuredClone(fixture('event_alert.triggered.json')) as { data: { event: Record<string, unknown> } };
  const event = payload.data.event;
  event.web_url = WEB_URL;
  event.url = `${SELF_HOSTED}/api/0/projects/acme/shop-api/events/7f3c2a9e51d84b06a1e4c0d2b8f96e13/`;
  event.issue_url = `${SELF_HOSTED}/api/0/issues/4502117833/`;
  event.issue_id = '4502117833';
  return payload;
}

async function post(payload: unknown, resource: string, requestId?: string): Promise<number> {
  const { body, headers } = sentryRequest(payload, { resource, ...(requestId ? { requestId } : {}) });
  const res = await fetch(receiver.localUrl + WEBHOOK_PATH, { method: 'POST', headers, body });
  return res.status;
}

describe('self-hosted Sentry on a host without a dot', () => {
  it('the alert arrives with the URL as copyable text and no link button', async () => {
    await start(false);
    expect(await post(selfHostedAlert(), 'event_alert')).toBe(202);
    const msg = await tg.waitFor((t) => t.messagesIn(CHAT)[0], 10_000);
    expect(msg.text.split('\n').slice(-1)).toEqual([`🔗 Sentry: ${WEB_URL}`]);
    expect(msg.entities).toContainEqual({ type: 'code', offset: msg.text.indexOf(WEB_URL), length: WEB_URL.length });
    expect(msg.entities.some((e) => e.type === 'text_link')).toBe(false);
    expect(msg.replyMarkup).toBeUndefined();
    // Sent right the first time: nothing refused, nothing rate-limited.
    await tg.waitFor((t) => t.callsTo('sendMessage')[0]?.status);
    expect(tg.callsTo('sendMessage').map((c) => c.status)).toEqual([200]);
    expect(tg.rateLimited).toBe(0);
  });

  it('with write-back on, the issue keeps its Resolve / Archive buttons, without an "Open in Sentry" URL button', async () => {
    await start(true);
    expect(await post(selfHostedAlert(), 'event_alert')).toBe(202);
    const msg = await tg.waitFor((t) => t.messagesIn(CHAT)[0], 10_000);
    expect(msg.text).toContain(`🔗 Sentry: ${WEB_URL}`);
    const buttons = msg.replyMarkup?.inline_keyboard?.flat() ?? [];
    expect(buttons.map((b) => b.text)).toEqual(['Resolve', 'Archive ▾']);
    expect(buttons.every((b) => b.url === undefined)).toBe(true);
    await tg.waitFor((t) => t.callsTo('sendMessage')[0]?.status);
    expect(tg.callsTo('sendMessage').map((c) => c.status)).toEqual([200]);
  });

  it('an IP-literal host is a link and a button as usual', async () => {
    await start(false);
    const payload = selfHostedAlert() as { data: { event: Record<string, unknown> } };
    const ipUrl = 'http://10.0.0.5:9000/organizations/acme/issues/4502117833/';
    payload.data.event.web_url = ipUrl;
    expect(await post(payload, 'event_alert')).toBe(202);
    const msg = await tg.waitFor((t) => t.messagesIn(CHAT)[0], 10_000);
    expect(msg.entities).toContainEqual(expect.objectContaining({ type: 'text_link', url: ipUrl }));
    expect(msg.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'View in Sentry', url: ipUrl }]] });
  });
});

describe('a known resource in a shape we do not read', () => {
  it('shows the title, project and link it can find, and logs a warning with the Request-ID', async () => {
    await start(false);
    // error.created with the event at the top of data instead of under data.error.
    const event = (fixture('error.created.json') as { data: { error: Record<string, unknown> } }).data.error;
    const payload = { action: 'created', actor: { type: 'application', id: 'sentry', name: 'Sentry' }, data: { payload: event } };
    const requestId = 'e'.repeat(32);
    expect(await post(payload, 'error', requestId)).toBe(202);
    const msg = await tg.waitFor((t) => t.messagesIn(CHAT)[0], 10_000);
    expect(msg.text).toBe(
      [
        '📨 SENTRY WEBHOOK',
        '',
        "InvalidOperation: [<class 'decimal.InvalidOperation'>]",
        '🗂 Project: shop-api',
        '• Webhook: error.created',
        '',
        '🔗 View in Sentry',
      ].join('\n'),
    );
    expect(msg.replyMarkup).toEqual({
      inline_keyboard: [[{ text: 'View in Sentry', url: 'https://sentry.io/organizations/acme-shop/issues/4502117833/events/7f3c2a9e51d84b06a1e4c0d2b8f96e13/' }]],
    });
    const warning = lines.find((l) => l.level === 40 && l.requestId === requestId);
    expect(warning?.msg).toBe('Sentry sent error.created without a readable data.error: the message shows what could be found');
  });
});
