// One routing table: the listener `serve` binds is the one `createApp` returns, and the webhook
// route matches with the same function the handler reads its token with, so a URL routed to the
// webhook is always read the way it was routed — in-process (supertest) and over a real socket.
import { asyncStore } from '../../src/store/async-store.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/receive/app.js';
import { createIntake } from '../../src/receive/intake.js';
import { urlToken, WEBHOOK_PATH } from '../../src/receive/verify.js';
import { webhookToken } from '../../src/receive/webhook.js';
import { silentLogger } from '../../src/log/logger.js';
import { openStore } from '../../src/store/store.js';
import { fixture, SECRET, sentryRequest } from '../helpers.js';
import { httpText, rawRequest, startReceiverRig, type ReceiverRig } from './rig.js';

let rig: ReceiverRig;
beforeAll(async () => {
  rig = await startReceiverRig({ settings: { webhookSecret: SECRET } });
});
afterAll(() => rig.close());

let events = 0;
/** The legacy plugin's payload (URL-token auth), a new event each time so none is a duplicate. */
function legacy() {
  const payload = fixture('legacy-webhooks-plugin.json') as { event: { event_id: string } };
  events += 1;
  return sentryRequest({ ...payload, event: { ...payload.event, event_id: String(events).padStart(32, 'a') } });
}
// Accepted answers wait for the fsync: keep our side open until the server answers and closes.
const open = { keepOpen: true };

describe('webhookToken: the webhook row of the table', () => {
  it.each([
    [WEBHOOK_PATH, undefined],
    [`${WEBHOOK_PATH}/`, undefined],
    [`${WEBHOOK_PATH}/abc?x=1`, 'abc'],
    [`${WEBHOOK_PATH}/abc/`, 'abc'],
    [`http://proxy.example${WEBHOOK_PATH}/abc`, 'abc'],
    [`/API/Sentry-Webhook/abc`, 'abc'],
    [`${WEBHOOK_PATH}/a/b`, null],
    [`${WEBHOOK_PATH}//`, null],
    [`${WEBHOOK_PATH}x`, null],
    ['/health', null],
  ])('%s → %s', (url, token) => {
    expect(webhookToken(url)).toBe(token);
  });
});

describe('the same table in-process and on the real listener', () => {
  it('an absolute-form URL with the right token is accepted (the token is read, not only routed)', async () => {
    const { body, headers } = legacy();
    const ans = await rawRequest(rig, httpText('POST', `http://proxy.example${WEBHOOK_PATH}/${urlToken(SECRET)}`, headers, body), open);
    expect(ans.status).toBe(202);
    expect(JSON.parse(ans.body)).toMatchObject({ status: 'ok', duplicate: false });
  });

  it('a path in another case routes and authenticates alike through supertest and the socket', async () => {
    const store = openStore({ dataDir: '', filename: ':memory:' });
    try {
      const app = createApp({
        webhookSecret: SECRET,
        bodyLimitBytes: 64 * 1024,
        debugEndpoint: false,
        intake: createIntake({ store: asyncStore(store), routeConfig: { chatId: '-1001' }, now: Date.now, onAccepted: () => undefined }),
        health: () => ({ status: 'ok' }),
        logger: silentLogger(),
      });
      const path = `/API/Sentry-Webhook/${urlToken(SECRET)}`;
      const { body, headers } = legacy();
      const inProcess = await request(app).post(path).set(headers).send(body);
      const onSocket = await rawRequest(rig, httpText('POST', path, headers, body), open);
      expect(inProcess.status).toBe(202);
      expect(onSocket.status).toBe(202);
      // And what is not a webhook path is Express's JSON 404 on both.
      expect((await request(app).post(`${WEBHOOK_PATH}x`).send('{}')).status).toBe(404);
      expect((await rawRequest(rig, httpText('POST', `${WEBHOOK_PATH}x`, { 'content-type': 'application/json' }, '{}'))).status).toBe(404);
    } finally {
      store.close();
    }
  });
});
