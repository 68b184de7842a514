// The HTTP contract with Sentry, driven in-process through supertest.
import { asyncStore } from '../../src/store/async-store.js';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../../src/receive/app.js';
import { createIntake } from '../../src/receive/intake.js';
import { urlToken, WEBHOOK_PATH } from '../../src/receive/verify.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { fixture, SECRET, sentryRequest } from '../helpers.js';
import { Writable } from 'node:stream';

let store: Store;
let woken = 0;

function app(over: Partial<AppDeps> = {}) {
  const intake = createIntake({ store: asyncStore(store), routeConfig: { chatId: '-1001' }, now: Date.now, onAccepted: () => woken++ });
  return createApp({
    webhookSecret: SECRET,
    bodyLimitBytes: 64 * 1024,
    debugEndpoint: false,
    intake,
    health: () => ({ status: 'ok', version: 'test' }),
    logger: silentLogger(),
    ...over,
  });
}

const event = fixture('event_alert.triggered.json');

beforeEach(() => {
  store = openStore({ dataDir: '', filename: ':memory:' });
  woken = 0;
});
afterEach(() => store.close());

describe('POST /api/sentry-webhook', () => {
  it('accepts a correctly signed delivery, stores the exact bytes and wakes the dispatcher', async () => {
    const { body, headers } = sentryRequest(event, { resource: 'event_alert' });
    const res = await request(app()).post(WEBHOOK_PATH).set(headers).send(body);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'ok', id: 1, duplicate: false });
    const [row] = store.pendingFor('-1001', Date.now() + 1, 10);
    expect(store.body(row!.id)!.toString('utf8')).toBe(body);
    expect(row!.resource).toBe('event_alert');
    expect(woken).toBe(1);
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'deadbeef'.repeat(8)],
    ['signed with another secret', 'other-secret-0123456789'],
  ])('rejects a %s signature with 401 and stores nothing', async (_n, sig) => {
    const { body, headers } = sentryRequest(event, { resource: 'event_alert', secret: null });
    if (sig === 'other-secret-0123456789') {
      Object.assign(headers, sentryRequest(event, { resource: 'event_alert', secret: sig }).headers);
    } else if (sig) headers['sentry-hook-signature'] = sig;
    const res = await request(app()).post(WEBHOOK_PATH).set(headers).send(body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: 'error', message: 'Invalid signature' });
    expect(store.stats().pending).toBe(0);
    expect(woken).toBe(0);
  });

  it('rejects a body changed after signing (signature is over the raw bytes)', async () => {
    const { body, headers } = sentryRequest(event, { resource: 'event_alert' });
    const res = await request(app()).post(WEBHOOK_PATH).set(headers).send(body.replace('heck', 'hack'));
    expect(res.status).toBe(401);
  });

  it('verifies over the exact bytes even when Sentry escapes non-ASCII as \\uXXXX', async () => {
    const payload = { action: 'created', data: { comment: 'Привет 😀 <b>', issue_id: 1, comment_id: 2 } };
    const { body, headers } = sentryRequest(payload, { resource: 'comment' });
    expect(body).toContain('\\u041f');
    const res = await request(app()).post(WEBHOOK_PATH).set(headers).send(body);
    expect(res.status).toBe(202);
  });

  it('accepts the legacy plugin with the URL token and rejects a wrong one', async () => {
    const { body, headers } = sentryRequest(fixture('legacy-webhooks-plugin.json'));
    const ok = await request(app()).post(`${WEBHOOK_PATH}/${urlToken(SECRET)}`).set(headers).send(body);
    expect(ok.status).toBe(202);
    const bad = await request(app()).post(`${WEBHOOK_PATH}/${urlToken('another-secret-xxxxxxxx')}`).set(headers).send(body);
    expect(bad.status).toBe(401);
    const none = await request(app()).post(WEBHOOK_PATH).set(headers).send(body);
    expect(none.status).toBe(401);
    expect(store.stats().pending).toBe(1);
  });

  it('a signed request with a bad signature fails even on the token URL', async () => {
    const { body, headers } = sentryRequest(event, { resource: 'event_alert' });
    headers['sentry-hook-signature'] = '0'.repeat(64);
    const res = await request(app()).post(`${WEBHOOK_PATH}/${urlToken(SECRET)}`).set(headers).send(body);
    expect(res.status).toBe(401);
  });

  it('without a secret configured, accepts unsigned requests', async () => {
    const { body, headers } = sentryRequest(event, { resource: 'event_alert', secret: null });
    const res = await request(app({ webhookSecret: undefined })).post(WEBHOOK_PATH).set(headers).send(body);
    expect(res.status).toBe(202);
  });

  it('answers 413 with a JSON body for an oversized body, and stores nothing', async () => {
    const big = JSON.stringify({ action: 'x', data: { blob: 'x'.repeat(70 * 1024) } });
    const { headers } = sentryRequest({}, { resource: 'event_alert' });
    const res = await request(app()).post(WEBHOOK_PATH).set(headers).send(big);
    expect(res.status).toBe(413);
    expect(res.body.status).toBe('error');
    expect(store.stats().pending).toBe(0);
  });

  it('answers 400 for invalid or empty JSON and 415 for another content type', async () => {
    for (const raw of ['{not json', '']) {
      const { headers } = sentryRequest({}, { resource: 'issue', secret: null });
      const res = await request(app({ webhookSecret: undefined })).post(WEBHOOK_PATH).set(headers).send(raw);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 'error', message: 'Body must be valid JSON' });
    }
    const res = await request(app({ webhookSecret: undefined }))
      .post(WEBHOOK_PATH)
      .set('content-type', 'text/plain')
      .send('{"a":1}');
    expect(res.status).toBe(415);
    expect(res.body.status).toBe('error');
    expect(store.stats().pending).toBe(0);
  });

  it.each([['[]'], ['"x"'], ['42'], ['null'], ['{"action":{"deep":[[[[[[]]]]]]},"data":"x"}'], [JSON.stringify({ a: JSON.parse('['.repeat(500) + ']'.repeat(500)) })]])(
    'accepts odd but valid JSON %s without a 5xx',
    async (raw) => {
      const { headers } = sentryRequest({}, { resource: 'mystery', secret: null });
      const res = await request(app({ webhookSecret: undefined })).post(WEBHOOK_PATH).set(headers).send(raw);
      expect(res.status).toBe(202);
    },
  );

  it('answers a repeated Request-ID once and marks the copy as a duplicate', async () => {
    const { body, headers } = sentryRequest(event, { resource: 'event_alert', requestId: 'a'.repeat(32) });
    const first = await request(app()).post(WEBHOOK_PATH).set(headers).send(body);
    const second = await request(app()).post(WEBHOOK_PATH).set(headers).send(body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ status: 'ok', id: null, duplicate: true });
    expect(store.stats().pending).toBe(1);
  });

  it('GET on the webhook path is 405, unknown paths 404, all JSON', async () => {
    expect((await request(app()).get(WEBHOOK_PATH)).status).toBe(405);
    const nf = await request(app()).get('/nope');
    expect(nf.status).toBe(404);
    expect(nf.body.status).toBe('error');
  });

  it('logs one line per webhook with Request-ID, resource, action and outcome, and no secret', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c, _e, d) => (lines.push(String(c)), d()) });
    const logger = createLogger({ pretty: false, stream });
    const { body, headers } = sentryRequest(event, { resource: 'event_alert', requestId: 'b'.repeat(32) });
    await request(app({ logger })).post(WEBHOOK_PATH).set(headers).send(body);
    await request(app({ logger })).post(`${WEBHOOK_PATH}/wrong-token`).set({ 'content-type': 'application/json' }).send('{}');
    await new Promise((r) => setTimeout(r, 20));
    const entries = lines.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(entries[0]).toMatchObject({ requestId: 'b'.repeat(32), resource: 'event_alert', action: 'triggered', outcome: 'accepted', status: 202 });
    expect(entries[1]).toMatchObject({ outcome: 'rejected: bad or missing signature', status: 401 });
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).not.toContain(urlToken(SECRET));
  });
});

describe('GET /health and /sentry-debug', () => {
  it('health answers 200 when ok and 503 when degraded', async () => {
    expect((await request(app()).get('/health')).status).toBe(200);
    const res = await request(app({ health: () => ({ status: 'degraded' }) })).get('/health');
    expect(res.status).toBe(503);
  });

  it('/sentry-debug is off by default and raises a reported test error when enabled', async () => {
    expect((await request(app()).get('/sentry-debug')).status).toBe(404);
    let raised = 0;
    const res = await request(app({ debugEndpoint: true, debugError: () => (raised++, 'evt123') })).get('/sentry-debug');
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ status: 'error', reported: true, eventId: 'evt123' });
    expect(raised).toBe(1);
  });
});
