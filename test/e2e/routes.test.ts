// The routes file through the real receiver: `startReceiver` reads SENTRY_TG_ROUTES at start,
// webhooks come in over a real socket, the intake fans each alert out to its targets, and the
// dispatcher posts into the fake Telegram with its real rate limits and HTML rules on.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { startReceiver, type Receiver } from '../../src/pipeline/receiver.js';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { singleChatRoutes } from '../../src/route/config.js';
import { RoutesFileError } from '../../src/route/routes-file.js';
import { connectionOf } from '../../src/store/testing.js';
import { startFakeTelegram, type FakeMessage, type FakeTelegram } from '../fakes/telegram.js';
import { fixture, sentryRequest, serveSettings, tempDir } from '../helpers.js';

const BACKEND = -1001000000001;
const FRONTEND = -1001000000002;
const FRONTEND_TOPIC = 7;
const EVERYTHING = -1001000000003;
const OPS = -1001000000004;

const ROUTES = `
default:
  chat: "${OPS}"
routes:
  - name: all-backend
    match:
      project: backend
    chat: "${EVERYTHING}"
    continue: true
  - name: backend-team
    match:
      project: backend
      level: error
    chat: "${BACKEND}"
    locale: ru
  - name: frontend-team
    match:
      project: [frontend, web]
    chat: "${FRONTEND}"
    topic: ${FRONTEND_TOPIC}
    locale: en
`;

/** One sample's value from the exposition text; undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (have.length === want.length && want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

let seq = 0;
/** A Sentry issue alert (event_alert) of `project`, a new event and issue each time. */
function alertOf(project: string, level = 'error') {
  const payload = structuredClone(fixture('event_alert.triggered.json')) as {
    data: { event: Record<string, unknown> };
  };
  seq += 1;
  const eventId = `${seq}`.padStart(32, 'a');
  const issueId = String(7_000_000 + seq);
  Object.assign(payload.data.event, {
    event_id: eventId,
    issue_id: issueId,
    level,
    title: `Failure ${seq} in ${project}`,
    url: `https://sentry.io/api/0/projects/test-org/${project}/events/${eventId}/`,
    web_url: `https://sentry.io/organizations/test-org/issues/${issueId}/events/${eventId}/`,
  });
  return payload;
}

let tg: FakeTelegram;
let receiver: Receiver | null = null;
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

async function start(routesYaml: string | null, over: { chatId?: string; metrics?: boolean; updates?: boolean } = {}): Promise<Receiver> {
  lines = [];
  tg = await startFakeTelegram();
  for (const id of [BACKEND, EVERYTHING, OPS]) tg.addChat({ id, type: 'supergroup', title: `chat ${id}` });
  tg.addChat({ id: FRONTEND, type: 'supergroup', title: 'frontend', isForum: true, topics: [FRONTEND_TOPIC] });
  dir = tempDir('sentry-tg-routes-');
  if (routesYaml !== null) writeFileSync(join(dir.path, 'team.routes.yaml'), routesYaml);
  const settings = serveSettings({
    telegramToken: tg.token,
    chatId: 'unused',
    dataDir: join(dir.path, 'data'),
    telegramApiRoot: tg.url,
    updates: over.updates ?? false,
    ...(routesYaml !== null ? { routes: 'team.routes.yaml' } : {}),
    ...(over.metrics ? { metricsAddr: { host: '127.0.0.1', port: 0 } } : {}),
  });
  // SENTRY_ALERT_CHAT_ID is optional with a routes file.
  if (over.chatId === undefined) delete (settings as { chatId?: string }).chatId;
  else settings.chatId = over.chatId;
  receiver = await startReceiver({
    settings,
    logger: capturingLogger(),
    cwd: dir.path,
    updates: { conflictRetryMs: 300, backoff: { baseMs: 50, maxMs: 200 } },
  });
  return receiver;
}

afterEach(async () => {
  await receiver?.close();
  receiver = null;
  await tg?.close();
  dir?.cleanup();
});

async function post(payload: unknown, requestId?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const req = sentryRequest(payload, { resource: 'event_alert', ...(requestId ? { requestId } : {}) });
  const res = await fetch(`${receiver!.localUrl}${WEBHOOK_PATH}`, { method: 'POST', headers: req.headers, body: req.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function rows(): { chat_id: string; thread_id: number | null; route: string | null; state: string }[] {
  return connectionOf(receiver!.store).prepare(`SELECT chat_id, thread_id, route, state FROM outbox ORDER BY id`).all() as never;
}

const buttonText = (m: FakeMessage) => JSON.stringify(m.replyMarkup ?? null);

describe('routes through the real receiver', () => {
  it('posts two projects to two chats (one a forum topic), each in its route locale', async () => {
    await start(ROUTES);
    expect((await post(alertOf('frontend'))).status).toBe(202);
    expect((await post(alertOf('backend'))).status).toBe(202);

    const [front] = await tg.waitFor((t) => (t.messagesIn(FRONTEND, FRONTEND_TOPIC).length === 1 ? t.messagesIn(FRONTEND, FRONTEND_TOPIC) : null), 15_000);
    const [back] = await tg.waitFor((t) => (t.messagesIn(BACKEND).length === 1 ? t.messagesIn(BACKEND) : null), 15_000);
    expect(front!.text).toContain('Failure 1 in frontend');
    expect(back!.text).toContain('Failure 2 in backend');
    // The frontend route is English, the backend route Russian: Telegram took both as sent.
    expect(buttonText(front!)).toContain('View in Sentry');
    expect(buttonText(back!)).toContain('Открыть в Sentry');
    expect(buttonText(back!)).not.toContain('View in Sentry');
    // Nothing of frontend's went to backend's chat, or the General topic of the forum.
    expect(tg.messagesIn(BACKEND).some((m) => m.text.includes('frontend'))).toBe(false);
    expect(tg.messagesIn(FRONTEND).filter((m) => m.threadId === undefined)).toHaveLength(0);
    expect(tg.rateLimited).toBe(0);
  });

  it('fans out with continue: true, and a redelivered webhook adds no row for either target', async () => {
    await start(ROUTES);
    const payload = alertOf('backend');
    const requestId = 'f'.repeat(32);
    const first = await post(payload, requestId);
    expect(first.status).toBe(202);
    expect(first.body.duplicate).toBe(false);
    expect(rows().map((r) => [r.chat_id, r.route])).toEqual([
      [String(EVERYTHING), 'all-backend'],
      [String(BACKEND), 'backend-team'],
    ]);

    const again = await post(payload, requestId);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'ok', duplicate: true });
    expect(rows()).toHaveLength(2);

    await tg.waitFor((t) => t.messagesIn(EVERYTHING).length === 1 && t.messagesIn(BACKEND).length === 1, 15_000);
    // Same alert, both chats; the default chat gets nothing (a route matched).
    expect(tg.messagesIn(EVERYTHING)[0]!.text).toContain(`in backend`);
    expect(tg.messagesIn(OPS)).toHaveLength(0);
  });

  it('sends an alert no route matches to the default chat', async () => {
    await start(ROUTES);
    expect((await post(alertOf('mobile'))).status).toBe(202);
    expect(rows().map((r) => [r.chat_id, r.thread_id, r.route])).toEqual([[String(OPS), null, 'default']]);
    const [msg] = await tg.waitFor((t) => (t.messagesIn(OPS).length === 1 ? t.messagesIn(OPS) : null), 15_000);
    expect(msg!.text).toContain('in mobile');
    // A warning-level backend alert matches only the continue route, not backend-team (error+).
    expect((await post(alertOf('backend', 'warning'))).status).toBe(202);
    expect(rows().slice(1).map((r) => r.route)).toEqual(['all-backend']);
  });

  it('uses SENTRY_ALERT_CHAT_ID as the default when the file has none', async () => {
    const noDefault = ROUTES.replace(`default:\n  chat: "${OPS}"\n`, '');
    await start(noDefault, { chatId: String(OPS) });
    expect((await post(alertOf('mobile'))).status).toBe(202);
    expect(rows().map((r) => [r.chat_id, r.route])).toEqual([[String(OPS), 'default']]);
  });

  it('answers an unrouted alert 200, stores nothing, logs it once and counts it in /health and /metrics', async () => {
    const noDefault = ROUTES.replace(`default:\n  chat: "${OPS}"\n`, '');
    await start(noDefault, { metrics: true });
    const requestId = 'c'.repeat(32);
    const unrouted = await post(alertOf('mobile'), requestId);
    expect(unrouted).toEqual({ status: 200, body: { status: 'ok', id: null, unrouted: true } });
    expect(rows()).toHaveLength(0);
    const warned = lines.filter((l) => l.level === 40 && l.msg.includes('matched no route'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ requestId, project: 'mobile', resource: 'event_alert' });

    expect((await post(alertOf('backend'))).status).toBe(202);
    expect((await post(alertOf('web'))).status).toBe(202);

    const health = (await (await fetch(`${receiver!.localUrl}/health`)).json()) as { unrouted: number; outOfScope: number; warnings: string[] };
    expect(health.unrouted).toBe(1);
    expect(health.outOfScope).toBe(0);
    expect(health.warnings.some((w) => w.includes('matched no route'))).toBe(true);

    const text = await (await fetch(`${receiver!.metricsUrl}/metrics`)).text();
    expect(sample(text, 'sentry_tg_unrouted_alerts_total')).toBe(1);
    expect(sample(text, 'sentry_tg_webhooks_total', { resource: 'event_alert', outcome: 'unrouted' })).toBe(1);
    expect(sample(text, 'sentry_tg_webhooks_total', { resource: 'event_alert', outcome: 'accepted' })).toBe(2);
    expect(sample(text, 'sentry_tg_routed_alerts_total', { route: 'all-backend' })).toBe(1);
    expect(sample(text, 'sentry_tg_routed_alerts_total', { route: 'backend-team' })).toBe(1);
    expect(sample(text, 'sentry_tg_routed_alerts_total', { route: 'frontend-team' })).toBe(1);
    expect(sample(text, 'sentry_tg_routed_alerts_total', { route: 'default' })).toBeUndefined();
  });

  it('takes bot commands in every routed chat (and the default), and ignores other chats', async () => {
    const STRANGERS = -1001000000099;
    await start(ROUTES, { updates: true });
    tg.addChat({ id: STRANGERS, type: 'supergroup', title: 'elsewhere' });
    const from = { id: 555001, first_name: 'Someone' };
    tg.pushMessage(STRANGERS, '/chatid', { from });
    for (const [chat, threadId] of [[FRONTEND, FRONTEND_TOPIC], [OPS, undefined], [BACKEND, undefined]] as const) {
      const update = tg.pushMessage(chat, '/chatid', { from, ...(threadId !== undefined ? { threadId } : {}) });
      const id = (update.message as { message_id: number }).message_id;
      const reply = await tg.waitFor((t) => t.messagesIn(chat).find((m) => m.replyTo === id), 15_000);
      expect(reply.text).toContain(String(chat));
    }
    // Read before the others (one update at a time, in order), and left unanswered.
    expect(tg.messagesIn(STRANGERS)).toHaveLength(0);
  });

  it('refuses to start on a broken routes file, naming every problem with its line', async () => {
    const broken = `routes:\n  - name: a\n    chat: "${BACKEND}"\n    locale: fr\n  - name: b\n    chat: "${FRONTEND}"\n    topic: -3\n`;
    const err = await start(broken).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RoutesFileError);
    const problems = (err as RoutesFileError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^team\.routes\.yaml:4:/);
    expect(problems[1]).toMatch(/^team\.routes\.yaml:7:/);
  });

  it('without a routes file and without SENTRY_ALERT_CHAT_ID there is nowhere to post: a start-up error', async () => {
    await expect(start(null)).rejects.toThrow(/SENTRY_ALERT_CHAT_ID is not set.*routes file/);
  });

  it('reads ./sentry-tg.routes.yaml from the working directory when SENTRY_TG_ROUTES is not set', async () => {
    tg = await startFakeTelegram();
    tg.addChat({ id: BACKEND, type: 'supergroup', title: 'backend' });
    dir = tempDir('sentry-tg-routes-');
    writeFileSync(join(dir.path, 'sentry-tg.routes.yaml'), `routes:\n  - { name: only-backend, match: { project: backend }, chat: "${BACKEND}" }\n`);
    const settings = serveSettings({ telegramToken: tg.token, chatId: String(OPS), dataDir: join(dir.path, 'data'), telegramApiRoot: tg.url, updates: false });
    receiver = await startReceiver({ settings, logger: capturingLogger(), cwd: dir.path });
    expect((await post(alertOf('backend'))).status).toBe(202);
    // SENTRY_ALERT_CHAT_ID is the default: the file has none.
    expect((await post(alertOf('web'))).status).toBe(202);
    expect(rows().map((r) => [r.chat_id, r.route])).toEqual([[String(BACKEND), 'only-backend'], [String(OPS), 'default']]);
    expect(lines.some((l) => l.msg.startsWith('routes from sentry-tg.routes.yaml: 1 route(s), default chat'))).toBe(true);
  });

  it('routes handed in by the caller (setup\'s proof) win over the routes file', async () => {
    tg = await startFakeTelegram();
    tg.addChat({ id: OPS, type: 'supergroup', title: 'ops' });
    dir = tempDir('sentry-tg-routes-');
    writeFileSync(join(dir.path, 'sentry-tg.routes.yaml'), 'routes:\n  - { name: x, match: { project: nothing }, chat: "-1009" }\n');
    const settings = serveSettings({ telegramToken: tg.token, chatId: String(OPS), dataDir: join(dir.path, 'data'), telegramApiRoot: tg.url, updates: false });
    receiver = await startReceiver({ settings, logger: capturingLogger(), cwd: dir.path, routes: singleChatRoutes(String(OPS)) });
    expect((await post(alertOf('backend'))).status).toBe(202);
    expect(rows().map((r) => r.chat_id)).toEqual([String(OPS)]);
  });

  it('without a routes file posts to the one chat from .env, as before', async () => {
    await start(null, { chatId: String(OPS) });
    expect((await post(alertOf('backend'))).status).toBe(202);
    expect(rows().map((r) => [r.chat_id, r.route])).toEqual([[String(OPS), 'default']]);
    await tg.waitFor((t) => t.messagesIn(OPS).length === 1, 15_000);
  });
});
