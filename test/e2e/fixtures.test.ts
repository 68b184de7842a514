// Every published Sentry payload, sent to the running receiver the way Sentry sends it
// (headers, signature, compact body with \uXXXX escapes), must arrive in the fake Telegram as
// exactly this message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../src/pipeline/receiver.js';
import { silentLogger } from '../../src/log/logger.js';
import { urlToken, WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { fixture, fixtureNames, resourceOf, SECRET, sentryRequest, serveSettings, tempDir } from '../helpers.js';

const CHAT = -1001234567890;

const EXPECTED: Record<string, { text: string; button?: string }> = {
  'comment.created.json': {
    text: ['💬 New comment on issue 100', '✍️ By: colleen', '🗂 Project: sentry', '', 'adding a comment'].join('\n'),
  },
  'event_alert.triggered.json': {
    text: [
      '❌ SENTRY ALERT',
      '',
      'ERROR: ReferenceError: heck is not defined',
      '',
      '📍 Location: ?(<anonymous>)',
      '',
      '🗂 Project: front-end',
      '🔔 Rule: Very Important Alert Rule!',
      '',
      '🔗 View in Sentry',
    ].join('\n'),
    button: 'https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/',
  },
  'error.created.json': {
    text: [
      '❌ SENTRY ALERT',
      '',
      "ERROR: InvalidOperation: [<class 'decimal.InvalidOperation'>]",
      '',
      '📍 Location: billing/totals.py:41 in apply_discount',
      '',
      '🗂 Project: shop-api',
      '🌍 Environment: production',
      '📦 Release: shop-api@2.14.0',
      '',
      '🔗 View in Sentry',
    ].join('\n'),
    button: 'https://sentry.io/organizations/acme-shop/issues/4502117833/events/7f3c2a9e51d84b06a1e4c0d2b8f96e13/',
  },
  'installation.created.json': {
    text: ['🔌 Sentry integration installed', '✍️ By: Meredith Heller', '• Organization: test-org', '• App: webhooks-galore'].join('\n'),
  },
  'issue.created.json': {
    text: [
      '❌ SENTRY ISSUE CREATED',
      '',
      'ERROR: ReferenceError: blooopy is not defined',
      '🆔 FRONT-END-9',
      '📍 Location: ?(runner)',
      '🗂 Project: front-end',
      '📊 1 event · 1 user',
      '• Substatus: escalating',
    ].join('\n'),
  },
  'legacy-webhooks-plugin.json': {
    text: [
      '❌ SENTRY ALERT',
      '',
      'ERROR: ReferenceError: hello is not defined',
      '',
      '📍 Location: ?(runner)',
      '',
      '🗂 Project: meow',
      '🔔 Rule: Webhook Test',
      '',
      '🔗 View in Sentry',
    ].join('\n'),
    button: 'https://sentry.io/organizations/meredith/issues/1385042923/?referrer=webhooks_plugin',
  },
  'seer.root_cause_completed.json': {
    text: [
      '🤖 SEER: Root cause found',
      '🆔 Issue 1170820242',
      '',
      "Woah wow there's a bug here.",
      '• Key step: Next.js server renders the /dashboard route.',
      '• File: src/app/page.ts (owner/repo)',
    ].join('\n'),
  },
};

let tg: FakeTelegram;
let receiver: Receiver;
let dir: ReturnType<typeof tempDir>;

beforeAll(async () => {
  // Telegram's real limits, and the receiver's production pacing.
  tg = await startFakeTelegram();
  tg.addChat({ id: CHAT, type: 'supergroup', title: 'alerts' });
  dir = tempDir();
  receiver = await startReceiver({
    settings: serveSettings({ telegramToken: tg.token, chatId: String(CHAT), dataDir: dir.path, telegramApiRoot: tg.url }),
    logger: silentLogger(),
  });
});
afterAll(async () => {
  await receiver.close();
  await tg.close();
  dir.cleanup();
});

describe.sequential('each published Sentry payload reaches Telegram as the right message', () => {
  it('covers every fixture in test/fixtures/sentry', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(fixtureNames());
  });

  it.each(fixtureNames())('%s', async (name) => {
    const resource = resourceOf(name);
    const { body, headers } = sentryRequest(fixture(name), resource ? { resource } : {});
    // The legacy plugin cannot sign: it is authenticated by the token in its callback URL.
    const path = resource ? WEBHOOK_PATH : `${WEBHOOK_PATH}/${urlToken(SECRET)}`;
    const before = tg.messagesIn(CHAT).length;
    const res = await fetch(receiver.localUrl + path, { method: 'POST', headers, body });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'ok', duplicate: false });

    const msg = await tg.waitFor((t) => t.messagesIn(CHAT)[before]);
    expect(msg.parseMode).toBe('HTML');
    expect(msg.text).toBe(EXPECTED[name]!.text);
    const button = EXPECTED[name]!.button;
    if (button) {
      expect(msg.entities).toContainEqual(expect.objectContaining({ type: 'text_link', url: button }));
      expect(msg.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'View in Sentry', url: button }]] });
    } else {
      expect(msg.replyMarkup).toBeUndefined();
    }
  });

  it('the same delivery twice, or the same event under a new Request-ID, produces one message', async () => {
    const payload = structuredClone(fixture('issue.created.json')) as { data: { issue: { id: string; lastSeen: string } } };
    // Another issue: the fixture's own issue already has a message, which a webhook would edit.
    payload.data.issue.id = '2030000001';
    payload.data.issue.lastSeen = '2030-01-01T00:00:00.000Z';
    const first = sentryRequest(payload, { resource: 'issue', requestId: 'c'.repeat(32) });
    const again = sentryRequest(payload, { resource: 'issue', requestId: 'd'.repeat(32) });
    const before = tg.messagesIn(CHAT).length;
    const post = (r: typeof first) => fetch(receiver.localUrl + WEBHOOK_PATH, { method: 'POST', headers: r.headers, body: r.body });
    const statuses = [(await post(first)).status, (await post(first)).status, (await post(again)).status];
    expect(statuses).toEqual([202, 200, 200]);
    await tg.waitFor((t) => t.messagesIn(CHAT).length > before);
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.messagesIn(CHAT).length - before).toBe(1);
  });

  it('nothing was refused or rate-limited on the way', () => {
    expect(tg.calls.filter((c) => c.status !== 200 && c.method.toLowerCase() !== 'getupdates')).toEqual([]);
    expect(tg.rateLimited).toBe(0);
  });
});
