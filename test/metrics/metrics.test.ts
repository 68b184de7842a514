// /metrics on its own listener (SENTRY_TG_METRICS_ADDR), scraped over a real socket after a known
// set of webhooks through the real receiver, with the fake Telegram enforcing its limits and the
// default fsync. Counters are checked to the exact value; gauges against /health's numbers.
import { fdatasync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FdatasyncFn } from '../../src/store/store.js';
import { urlToken, WEBHOOK_PATH } from '../../src/receive/verify.js';
import { fixture, SECRET, sentryRequest, sqliteOf } from '../helpers.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { loadRoutes } from '../../src/route/routes-file.js';
import { CHAT, httpText, rawRequest, startReceiverRig, type ReceiverRig } from '../receive/rig.js';

/** One sample's value from the exposition text; undefined when the series is absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (have.length === want.length && want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

let events = 0;
/** The legacy plugin's payload (project "meow", URL-token auth), a new event each time. */
function legacy() {
  const payload = fixture('legacy-webhooks-plugin.json') as { event: { event_id: string } };
  events += 1;
  return sentryRequest({ ...payload, event: { ...payload.event, event_id: String(events).padStart(32, 'b') } });
}

const RETRY_AFTER_SECONDS = 30;

describe('metrics listener with a known set of webhooks', () => {
  let rig: ReceiverRig;
  let post: (path: string, req: { body: string | Buffer; headers: Record<string, string> }) => Promise<number>;
  beforeAll(async () => {
    rig = await startReceiverRig({
      settings: { webhookSecret: SECRET, sentryProject: 'meow', metricsAddr: { host: '127.0.0.1', port: 0 } },
    });
    post = async (path, req) => (await fetch(`${rig.receiver.localUrl}${path}`, { method: 'POST', headers: req.headers, body: req.body })).status;
  });
  afterAll(() => rig?.close());

  const scrape = async () => {
    const res = await fetch(`${rig.receiver.metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };
  const health = async () => (await fetch(`${rig.receiver.localUrl}/health`)).json() as Promise<{ outOfScope: number; queue: Record<string, unknown>; telegram: { reachable: boolean | null }; storage: { ok: boolean } }>;

  it('counts every webhook by resource and outcome, Telegram calls by result, and shows /health queue numbers', async () => {
    const tokenPath = `${WEBHOOK_PATH}/${urlToken(SECRET)}`;
    // 1: accepted, and parked by Telegram's "chat not found".
    rig.tg.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
    const first = legacy();
    expect(await post(tokenPath, first)).toBe(202);
    await vi.waitFor(async () => expect((await health()).queue.undeliverable).toBe(1), { timeout: 10_000 });

    // 2, 3: accepted, then held back by Telegram's 429 with retry_after.
    rig.tg.setRetryAfter(CHAT, RETRY_AFTER_SECONDS);
    expect(await post(tokenPath, legacy())).toBe(202);
    expect(await post(tokenPath, legacy())).toBe(202);
    await vi.waitFor(() => expect(rig.tg.rateLimited).toBeGreaterThan(0), { timeout: 10_000 });

    expect(await post(tokenPath, first)).toBe(200); // duplicate
    expect(await post(`${WEBHOOK_PATH}/not-the-token`, legacy())).toBe(401);
    expect(await post(WEBHOOK_PATH, sentryRequest(fixture('comment.created.json'), { resource: 'comment', secret: 'another-secret-0123456789abcdef' }))).toBe(401);
    expect(await post(tokenPath, { body: '{"not json', headers: { 'content-type': 'application/json' } })).toBe(400);
    // Project "sentry" is not in SENTRY_PROJECT=meow.
    expect(await post(WEBHOOK_PATH, sentryRequest(fixture('comment.created.json'), { resource: 'comment' }))).toBe(200);
    // An unknown resource header never becomes a label of its own.
    expect(await post(WEBHOOK_PATH, sentryRequest({}, { resource: 'x'.repeat(200), secret: 'another-secret-0123456789abcdef' }))).toBe(401);

    const h = await health();
    const before = Date.now();
    const text = await scrape();
    const after = Date.now();

    const webhooks = (resource: string, outcome: string) => sample(text, 'sentry_tg_webhooks_total', { resource, outcome });
    expect(webhooks('legacy', 'accepted')).toBe(3);
    expect(webhooks('legacy', 'duplicate')).toBe(1);
    expect(webhooks('legacy', 'unauthorized')).toBe(1);
    expect(webhooks('comment', 'unauthorized')).toBe(1);
    expect(webhooks('other', 'unauthorized')).toBe(1);
    expect(webhooks('legacy', 'bad_request')).toBe(1);
    expect(webhooks('comment', 'out_of_scope')).toBe(1);
    expect(h.outOfScope).toBe(1);
    expect(text).not.toContain('xxxx');
    expect(sample(text, 'sentry_tg_webhook_answer_seconds_count')).toBe(9);
    expect(sample(text, 'sentry_tg_webhook_answer_seconds_bucket', { le: '+Inf' })).toBe(9);

    // Telegram calls: as many of each result as the fake answered.
    const answered = rig.tg.calls.filter((c) => c.status !== null);
    for (const method of ['getMe', 'sendMessage']) {
      const count = (pred: (s: number) => boolean) => answered.filter((c) => c.method === method && pred(c.status!)).length;
      expect(sample(text, 'sentry_tg_telegram_calls_total', { method, result: 'ok' }) ?? 0).toBe(count((s) => s === 200));
      expect(sample(text, 'sentry_tg_telegram_calls_total', { method, result: '429' }) ?? 0).toBe(count((s) => s === 429));
      expect(sample(text, 'sentry_tg_telegram_calls_total', { method, result: '4xx' }) ?? 0).toBe(count((s) => s >= 400 && s < 500 && s !== 429));
    }
    expect(sample(text, 'sentry_tg_telegram_calls_total', { method: 'getMe', result: 'ok' })).toBe(1);
    expect(sample(text, 'sentry_tg_telegram_calls_total', { method: 'sendMessage', result: '4xx' })).toBe(1);
    const tooMany = answered.filter((c) => c.status === 429);
    expect(tooMany.length).toBeGreaterThan(0);
    expect(sample(text, 'sentry_tg_telegram_rate_limited_total')).toBe(tooMany.length);
    const askedSeconds = tooMany.reduce((s, c) => s + ((c.response as { parameters?: { retry_after?: number } }).parameters?.retry_after ?? 0), 0);
    expect(askedSeconds).toBeGreaterThan(0);
    expect(sample(text, 'sentry_tg_telegram_retry_after_seconds_total')).toBe(askedSeconds);

    // Gauges: the same numbers /health shows (the queue is held by the 429).
    const route = {};
    expect(h.queue.pending).toBeGreaterThan(0);
    expect(sample(text, 'sentry_tg_outbox_pending', route)).toBe(h.queue.pending);
    expect(sample(text, 'sentry_tg_alerts_parked', route)).toBe(h.queue.undeliverable);
    expect(sample(text, 'sentry_tg_alerts_parked', route)).toBe(1);
    expect(sample(text, 'sentry_tg_alerts_muted', route)).toBe(h.queue.muted);
    const oldestMs = Date.parse(h.queue.oldestPendingAt as string);
    const age = sample(text, 'sentry_tg_outbox_oldest_pending_age_seconds', route)!;
    expect(age).toBeGreaterThanOrEqual((before - oldestMs) / 1000 - 0.001);
    expect(age).toBeLessThanOrEqual((after - oldestMs) / 1000 + 0.001);
    // Split by route: the per-route series add up to the whole queue, the oldest is the oldest of them.
    const perRoute = [...text.matchAll(/^sentry_tg_outbox_pending_by_route\{route="([^"]*)"\} (\S+)$/gm)];
    expect(perRoute.length).toBeGreaterThan(0);
    expect(perRoute.reduce((n, m) => n + Number(m[2]), 0)).toBe(h.queue.pending);
    const ages = [...text.matchAll(/^sentry_tg_outbox_oldest_pending_age_by_route_seconds\{route="([^"]*)"\} (\S+)$/gm)].map((m) => Number(m[2]));
    expect(Math.max(...ages)).toBe(age);
    expect(sample(text, 'sentry_tg_telegram_reachable')).toBe(h.telegram.reachable === null ? -1 : Number(h.telegram.reachable));
    expect(sample(text, 'sentry_tg_storage_ok')).toBe(h.storage.ok ? 1 : 0);
    // Default process metrics come along.
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('serves only GET /metrics; bad requests get a JSON 4xx and the listener keeps serving', async () => {
    const url = new URL(rig.receiver.metricsUrl!);
    const at = { host: url.hostname, port: Number(url.port) };
    const other = await rawRequest(at, httpText('GET', '/health'));
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toMatchObject({ status: 'error' });
    const post = await rawRequest(at, httpText('POST', '/metrics', { 'content-type': 'application/json' }, '{}'));
    expect(post.status).toBe(405);
    expect(post.headers.toLowerCase()).toContain('allow: get, head');
    expect((await rawRequest(at, 'GARBAGE\r\n\r\n')).status).toBe(400);
    expect((await rawRequest(at, httpText('GET', '/metrics', { 'x-big': 'a'.repeat(20_000) }))).status).toBe(431);
    expect((await rawRequest(at, httpText('GET', '/metrics%ZZ'))).status).toBe(404);
    expect((await rawRequest(at, httpText('GET', '/metrics?name[]=x'))).status).toBe(200);
    // The webhook path is not served here either.
    expect((await rawRequest(at, httpText('POST', WEBHOOK_PATH, { 'content-type': 'application/json' }, '{}'))).status).toBe(404);
    expect(await scrape()).toMatch(/^sentry_tg_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
  });
});

const METRICS_ON = { metricsAddr: { host: '127.0.0.1', port: 0 } };
const getText = async (url: string) => (await fetch(url)).text();

describe('metrics agree with /health and /status', () => {
  it('a failing disk: the 503 is counted as storage_failed and storage_ok is 0, as /health says', async () => {
    let failing = true;
    const eio: FdatasyncFn = (fd, callback) =>
      failing ? callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5 })) : fdatasync(fd, callback);
    const rig = await startReceiverRig({ fdatasync: eio, settings: { fsync: 'full', ...METRICS_ON } });
    try {
      const { body, headers } = sentryRequest(fixture('event_alert.triggered.json'), { resource: 'event_alert' });
      expect((await fetch(`${rig.receiver.localUrl}${WEBHOOK_PATH}`, { method: 'POST', headers, body })).status).toBe(503);
      const health = (await (await fetch(`${rig.receiver.localUrl}/health`)).json()) as { storage: { ok: boolean } };
      const text = await getText(`${rig.receiver.metricsUrl}/metrics`);
      failing = false;
      expect(health.storage.ok).toBe(false);
      expect(sample(text, 'sentry_tg_storage_ok')).toBe(0);
      expect(sample(text, 'sentry_tg_webhooks_total', { resource: 'event_alert', outcome: 'storage_failed' })).toBe(1);
      expect(sample(text, 'sentry_tg_webhooks_total', { resource: 'event_alert', outcome: 'accepted' })).toBeUndefined();
    } finally {
      await rig.close();
    }
  });

  it("the bot's /status shows the numbers the gauges show", async () => {
    const rig = await startReceiverRig({
      settings: { updates: true, ...METRICS_ON },
      updates: { conflictRetryMs: 300, backoff: { baseMs: 50, maxMs: 200 } },
    });
    try {
      rig.tg.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
      const { body, headers } = sentryRequest(fixture('event_alert.triggered.json'), { resource: 'event_alert' });
      expect((await fetch(`${rig.receiver.localUrl}${WEBHOOK_PATH}`, { method: 'POST', headers, body })).status).toBe(202);
      await vi.waitFor(() => expect(sqliteOf(rig.receiver.store).stats().parked).toBe(1), { timeout: 10_000 });
      rig.tg.pushMessage(CHAT, '/status');
      const reply = await rig.tg.waitFor((t) => t.messagesIn(CHAT).find((m) => /Undeliverable: \d+/.test(m.text)), 10_000);
      const text = await getText(`${rig.receiver.metricsUrl}/metrics`);
      const shown = (label: RegExp) => Number(label.exec(reply.text)?.[1]);
      const route = {};
      expect(shown(/Waiting: (\d+)/)).toBe(sample(text, 'sentry_tg_outbox_pending', route));
      expect(shown(/Undeliverable: (\d+)/)).toBe(sample(text, 'sentry_tg_alerts_parked', route));
      expect(shown(/Muted alerts: (\d+)/)).toBe(sample(text, 'sentry_tg_alerts_muted', route));
      expect(sample(text, 'sentry_tg_alerts_parked', route)).toBe(1);
      // Reading the command went through the observed client too.
      expect(sample(text, 'sentry_tg_telegram_calls_total', { method: 'getUpdates', result: 'ok' })).toBeGreaterThan(0);
    } finally {
      await rig.close();
    }
  });
});

describe('/health, /status and /metrics after a known set of webhooks through routes', () => {
  const HELD = -1009000000001;
  const JANE = { id: 5001, first_name: 'Jane', username: 'jane' };
  const routes = loadRoutes(
    [
      'routes:',
      '  - name: meow-team',
      '    match: { project: meow }',
      `    chat: "${CHAT}"`,
      '  - name: held-team',
      '    match: { project: held }',
      `    chat: "${HELD}"`,
    ].join('\n'),
    'routes.yaml',
  );
  let n = 0;
  /** A legacy plugin alert of `project`, for issue `issueId`, a new event each time. */
  const alertOf = (project: string, issueId = '1385042923') => {
    const payload = fixture('legacy-webhooks-plugin.json') as { event: { event_id: string } };
    n += 1;
    return sentryRequest({
      ...payload,
      id: issueId,
      project: project,
      project_slug: project,
      project_name: project,
      url: `https://sentry.io/organizations/meredith/issues/${issueId}/`,
      event: { ...payload.event, event_id: String(n).padStart(32, 'c') },
    });
  };

  it('pending, oldest, parked, muted, unrouted and out-of-scope agree everywhere', async () => {
    const rig = await startReceiverRig({
      routes,
      settings: { webhookSecret: SECRET, updates: true, chatId: undefined, sentryProject: 'meow,held,lost', allowedUsers: [JANE.id], ...METRICS_ON },
      updates: { conflictRetryMs: 300, backoff: { baseMs: 50, maxMs: 200 } },
    });
    rig.tg.addChat({ id: HELD, type: 'supergroup', title: 'Held' });
    const hook = (req: { body: string | Buffer; headers: Record<string, string> }) =>
      fetch(`${rig.receiver.localUrl}${WEBHOOK_PATH}/${urlToken(SECRET)}`, { method: 'POST', headers: req.headers, body: req.body }).then((r) => r.status);
    try {
      // Parked: the first meow alert meets "chat not found".
      rig.tg.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
      expect(await hook(alertOf('meow', '11'))).toBe(202);
      await vi.waitFor(async () => expect((await rig.receiver.store.stats()).parked).toBe(1), { timeout: 10_000 });
      // Muted: issue 12 is muted in the meow chat, then alerts for it are counted, not posted.
      rig.tg.pushMessage(CHAT, '/mute https://sentry.io/organizations/meredith/issues/12/ 1h', { from: JANE });
      await rig.tg.waitFor((t) => t.messagesIn(CHAT).find((m) => m.text.includes('🔕')), 10_000);
      expect(await hook(alertOf('meow', '12'))).toBe(202);
      await vi.waitFor(async () => expect((await rig.receiver.store.stats()).muted).toBe(1), { timeout: 10_000 });
      // Pending: the held chat answers 429 for a while.
      rig.tg.setRetryAfter(HELD, 30);
      expect(await hook(alertOf('held', '13'))).toBe(202);
      expect(await hook(alertOf('held', '14'))).toBe(202);
      await vi.waitFor(() => expect(rig.tg.rateLimited).toBeGreaterThan(0), { timeout: 10_000 });
      // Unrouted: in scope, no route, no default. Out of scope: a project not in SENTRY_PROJECT.
      expect(await hook(alertOf('lost', '15'))).toBe(200);
      expect(await hook(alertOf('elsewhere', '16'))).toBe(200);
      expect(await hook(alertOf('elsewhere', '17'))).toBe(200);

      rig.tg.pushMessage(CHAT, '/status');
      const reply = await rig.tg.waitFor((t) => t.messagesIn(CHAT).find((m) => /Matched no route: \d+/.test(m.text)), 10_000);
      const h = (await (await fetch(`${rig.receiver.localUrl}/health`)).json()) as {
        unrouted: number;
        outOfScope: number;
        queue: { pending: number; muted: number; undeliverable: number; oldestPendingAt: string | null };
      };
      const text = await getText(`${rig.receiver.metricsUrl}/metrics`);
      const shown = (label: RegExp) => Number(label.exec(reply.text)?.[1]);

      // The known numbers, in /health.
      expect(h).toMatchObject({ unrouted: 1, outOfScope: 2, queue: { pending: 2, muted: 1, undeliverable: 1 } });
      // /status shows them.
      expect(shown(/Waiting: (\d+)/)).toBe(h.queue.pending);
      expect(shown(/Undeliverable: (\d+)/)).toBe(h.queue.undeliverable);
      expect(shown(/Muted alerts: (\d+)/)).toBe(h.queue.muted);
      expect(shown(/Matched no route: (\d+)/)).toBe(h.unrouted);
      expect(shown(/other projects: (\d+)/)).toBe(h.outOfScope);
      const oldest = /oldest since (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(reply.text)?.[1];
      expect(oldest).toBe(h.queue.oldestPendingAt!.slice(0, 16).replace('T', ' '));
      // So does /metrics.
      expect(sample(text, 'sentry_tg_outbox_pending')).toBe(h.queue.pending);
      expect(sample(text, 'sentry_tg_alerts_parked')).toBe(h.queue.undeliverable);
      expect(sample(text, 'sentry_tg_alerts_muted')).toBe(h.queue.muted);
      expect(sample(text, 'sentry_tg_unrouted_alerts_total')).toBe(h.unrouted);
      expect(sample(text, 'sentry_tg_webhooks_total', { resource: 'legacy', outcome: 'unrouted' })).toBe(h.unrouted);
      expect(sample(text, 'sentry_tg_webhooks_total', { resource: 'legacy', outcome: 'out_of_scope' })).toBe(h.outOfScope);
      const age = sample(text, 'sentry_tg_outbox_oldest_pending_age_seconds')!;
      expect(age).toBeGreaterThan(0);
      expect(age).toBeLessThanOrEqual((Date.now() - Date.parse(h.queue.oldestPendingAt!)) / 1000 + 0.001);
      // Per route: the counters.
      expect(sample(text, 'sentry_tg_routed_alerts_total', { route: 'meow-team' })).toBe(2);
      expect(sample(text, 'sentry_tg_routed_alerts_total', { route: 'held-team' })).toBe(2);
    } finally {
      await rig.close();
    }
  });
});

describe('metrics off by default', () => {
  it('without SENTRY_TG_METRICS_ADDR there is no metrics listener, and the webhook listener has no /metrics', async () => {
    const rig = await startReceiverRig();
    try {
      expect(rig.receiver.metricsUrl).toBeNull();
      const res = await fetch(`${rig.receiver.localUrl}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('sentry_tg_');
    } finally {
      await rig.close();
    }
  });
});

describe('README metric names', () => {
  it('the table lists every metric the registry has, by its exact name and type, and no other', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 1));
    const documented = new Map(
      [...section.matchAll(/^\| `(sentry_tg_\w+)` \| (\w+) \|/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const metrics = createMetrics({ figures: () => ({ queue: { pending: 0, oldestPendingAt: null, parked: 0, muted: 0, pendingByRoute: [{ route: 'ops', pending: 1, oldestPendingAt: 0 }] }, telegramReachable: null, storageOk: true }), now: Date.now });
    const { text } = await metrics.scrape();
    const registered = new Map(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].filter((m) => m[1]!.startsWith('sentry_tg_')).map((m) => [m[1]!, m[2]!] as const),
    );
    expect(registered.size).toBeGreaterThan(10);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered));
    // Everything else is prom-client's defaults, which the README names by prefix.
    const others = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!).filter((name) => !name.startsWith('sentry_tg_'));
    expect(others.every((name) => name.startsWith('process_') || name.startsWith('nodejs_'))).toBe(true);
  });

  it('the README says which metrics carry a route label, as registered', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `(sentry_tg_\w+)` \| \w+ \| ([^|]*) \|/gm)];
    const withRoute = rows.filter((m) => m[2]!.includes('`route`')).map((m) => m[1]);
    expect(withRoute).toEqual([
      'sentry_tg_routed_alerts_total',
      'sentry_tg_outbox_pending_by_route',
      'sentry_tg_outbox_oldest_pending_age_by_route_seconds',
    ]);
  });
});
