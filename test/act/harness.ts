// A receiver wired to the fake Telegram and the fake Sentry, on a real store in a temp dir,
// with helpers to send Sentry webhooks, press buttons and type commands like a person would.
import type { Settings } from '../../src/config/options.js';
import { startReceiver, type Receiver } from '../../src/commands/serve.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeSentry, type FakeSentry } from '../fakes/sentry.js';
import { startFakeTelegram, type FakeMessage, type FakeTelegram, type TgUser, type Update } from '../fakes/telegram.js';
import { sentryRequest, serveSettings, tempDir } from '../helpers.js';

export const CHAT = -1001234500000;
export const ORG = 'acme';
export const SENTRY_TOKEN = 'sntrys_test_token_for_buttons_0123456789';
export const JANE: Partial<TgUser> = { id: 5001, first_name: 'Jane', username: 'jane' };
export const ANN: Partial<TgUser> = { id: 5002, first_name: 'Ann' };
export const STRANGER: Partial<TgUser> = { id: 6666, first_name: 'Mallory', username: 'mallory' };
export const ALLOWED = [JANE.id!, ANN.id!];

export function issueUrl(issueId: string): string {
  return `https://sentry.io/organizations/${ORG}/issues/${issueId}/`;
}

let seq = 0;

/** An issue alert rule fired for `issueId` (event_alert.triggered), with a distinct event id. */
export function eventAlert(issueId: string, title = `ValueError: broken ${issueId}`) {
  seq += 1;
  return {
    action: 'triggered',
    actor: { type: 'application', id: 'sentry', name: 'Sentry' },
    data: {
      event: {
        event_id: `e${issueId}x${seq}`.padEnd(32, '0').slice(0, 32),
        title,
        level: 'error',
        issue_id: issueId,
        web_url: issueUrl(issueId),
        url: `https://sentry.io/api/0/projects/${ORG}/web/events/x${seq}/`,
        environment: 'production',
      },
      triggered_rule: 'Send to Telegram',
    },
  };
}

/** An issue lifecycle webhook (issue.created|resolved|ignored|unresolved|assigned). */
export function issueWebhook(action: string, issueId: string, extra: { actor?: string; data?: Record<string, unknown>; issue?: Record<string, unknown> } = {}) {
  seq += 1;
  const status = action === 'resolved' ? 'resolved' : action === 'ignored' ? 'ignored' : 'unresolved';
  const now = new Date(Date.now() + seq).toISOString();
  return {
    action,
    actor: extra.actor ? { type: 'user', id: '1', name: extra.actor } : { type: 'application', id: 'sentry', name: 'Sentry' },
    data: {
      issue: {
        id: issueId,
        shortId: `WEB-${issueId}`,
        title: `ValueError: broken ${issueId}`,
        culprit: 'app.py in handler',
        level: 'error',
        status,
        substatus: action === 'ignored' ? 'archived_until_escalating' : action === 'created' ? 'new' : null,
        statusDetails: {},
        project: { id: '1', name: 'Web', slug: 'web', platform: 'python' },
        count: String(seq),
        userCount: 1,
        firstSeen: '2025-01-01T00:00:00.000Z',
        lastSeen: now,
        permalink: issueUrl(issueId),
        metadata: {},
        ...extra.issue,
      },
      ...extra.data,
    },
  };
}

export interface Rig {
  tg: FakeTelegram;
  sentry: FakeSentry;
  dataDir: string;
  receiver: Receiver;
  /** Starts (again) a receiver on the same data directory. */
  start(over?: Partial<Settings>, logger?: Logger): Promise<Receiver>;
  /** POSTs a signed webhook the way Sentry does. */
  post(payload: unknown, resource: string): Promise<void>;
  /** The newest message in the chat whose text contains `text`. */
  message(text: string, timeoutMs?: number): Promise<FakeMessage>;
  /** Presses the button labelled `label` on `msg`; resolves with the answer the presser saw. */
  press(msg: FakeMessage, label: string, from?: Partial<TgUser>): Promise<{ update: Update; text?: string; showAlert: boolean }>;
  /** The callback_data of the button labelled `label`. */
  buttonData(msg: FakeMessage, label: string): string;
  labels(msg: FakeMessage): string[];
  close(): Promise<void>;
}

export async function startRig(over: Partial<Settings> = {}): Promise<Rig> {
  const tg = await startFakeTelegram({ limits: false });
  tg.addChat({ id: CHAT, type: 'supergroup', title: 'Alerts' });
  const sentry = await startFakeSentry();
  sentry.addToken(SENTRY_TOKEN, ['event:write', 'org:read', 'project:read']);
  sentry.addOrg(ORG);
  sentry.addProject(ORG, 'web');
  const dir = tempDir('sentry-tg-act-');
  const dataDir = dir.path;

  const settings = (extra: Partial<Settings>) =>
    serveSettings({
      telegramToken: tg.token,
      chatId: String(CHAT),
      dataDir,
      telegramApiRoot: tg.url,
      sentryAuthToken: SENTRY_TOKEN,
      sentryOrg: ORG,
      sentryUrl: sentry.url,
      allowedUsers: ALLOWED,
      ...over,
      ...extra,
    });

  const rig: Rig = {
    tg,
    sentry,
    dataDir,
    receiver: undefined as unknown as Receiver,
    async start(extra = {}, logger = silentLogger()) {
      rig.receiver = await startReceiver({
        settings: settings(extra),
        logger,
        fsync: 'normal',
        pacing: { privateGapMs: 0, groupPerMinute: 100_000, globalPerSecond: 10_000 },
        updates: { conflictRetryMs: 300, backoff: { baseMs: 50, maxMs: 200 } },
      });
      return rig.receiver;
    },
    async post(payload, resource) {
      const { body, headers } = sentryRequest(payload, { resource });
      const res = await fetch(rig.receiver.localUrl + WEBHOOK_PATH, { method: 'POST', headers, body });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    },
    message(text, timeoutMs = 5000) {
      return tg.waitFor((t) => t.messagesIn(CHAT).filter((m) => m.text.includes(text)).at(-1), timeoutMs);
    },
    buttonData(msg, label) {
      const button = (msg.replyMarkup?.inline_keyboard ?? []).flat().find((b) => b.text === label);
      if (!button || typeof button.callback_data !== 'string') {
        throw new Error(`no button "${label}" on message ${msg.messageId}: ${JSON.stringify(msg.replyMarkup)}`);
      }
      return button.callback_data;
    },
    labels(msg) {
      return (msg.replyMarkup?.inline_keyboard ?? []).flat().map((b) => b.text);
    },
    async press(msg, label, from = JANE) {
      const update = tg.pushCallbackQuery({ chatId: msg.chatId, messageId: msg.messageId, data: rig.buttonData(msg, label), from });
      const id = (update.callback_query as { id: string }).id;
      const answer = await tg.waitFor((t) => t.callbackAnswers.find((a) => a.callbackQueryId === id));
      return { update, ...(answer.text !== undefined ? { text: answer.text } : {}), showAlert: answer.showAlert };
    },
    async close() {
      await rig.receiver?.close();
      await tg.close();
      await sentry.close();
      dir.cleanup();
    },
  };
  await rig.start();
  return rig;
}

/** The message as it is now (the fake replaces nothing: edits change the same object). */
export function snapshot(msg: FakeMessage) {
  return { text: msg.text, html: msg.html, replyMarkup: structuredClone(msg.replyMarkup), edits: msg.edits };
}

export const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));
