// Hostile requests against the real listener over a real socket: each gets a JSON 4xx, nothing
// is stored or sent, and the receiver keeps serving the next request.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { fixture, SECRET, sentryRequest, sqliteOf } from '../helpers.js';
import { collect, httpText, openSocket, parseAnswer, rawRequest, startReceiverRig, type ReceiverRig } from './rig.js';

let rig: ReceiverRig;
beforeAll(async () => {
  rig = await startReceiverRig();
});
afterAll(() => rig.close());

afterEach(async () => {
  // Whatever the request was, the receiver still answers, and nothing got in or out.
  const res = await fetch(`${rig.receiver.localUrl}/health`);
  expect(res.status).toBe(200);
  expect(sqliteOf(rig.receiver.store).stats().pending).toBe(0);
  expect(rig.tg.messages).toHaveLength(0);
});

function expectJson4xx(ans: { status: number | null; body: string }, status?: number): void {
  expect(ans.status, `no HTTP answer; got ${JSON.stringify(ans.body)}`).not.toBeNull();
  if (status) expect(ans.status, ans.body).toBe(status);
  expect(ans.status!).toBeGreaterThanOrEqual(400);
  expect(ans.status!).toBeLessThan(500);
  expect(JSON.parse(ans.body)).toMatchObject({ status: 'error', message: expect.any(String) });
}

const signed = () => sentryRequest(fixture('event_alert.triggered.json'), { resource: 'event_alert' });

describe('malformed URLs', () => {
  it('POST /api/sentry-webhook/%ZZ is a JSON 400 and the receiver keeps serving', async () => {
    const { body, headers } = signed();
    expectJson4xx(await rawRequest(rig, httpText('POST', `${WEBHOOK_PATH}/%ZZ`, headers, body)), 400);
  });

  it.each([['%'], ['%E0%A4%A'], ['%C0%AF'], ['%ED%A0%80'], ['abc%FF'], ['%25%ZZ?x=%ZZ']])(
    'a token with broken percent-encoding (%s) is a JSON 400, with any method',
    async (token) => {
      const { body, headers } = signed();
      expectJson4xx(await rawRequest(rig, httpText('POST', `${WEBHOOK_PATH}/${token}`, headers, body)), 400);
      expectJson4xx(await rawRequest(rig, httpText('GET', `${WEBHOOK_PATH}/${token}`)), 400);
    },
  );

  it.each([
    ['another path with broken encoding', '/%ZZ/%E0'],
    ['a webhook path with a deeper segment', `${WEBHOOK_PATH}/a/b`],
    ['an asterisk', '*'],
    ['dot segments', `/../../etc/passwd`],
    ['a double slash', `//api/sentry-webhook`],
    ['a 12 KB path', `/${'a'.repeat(12 * 1024)}`],
  ])('%s gets a JSON 4xx', async (_name, target) => {
    expectJson4xx(await rawRequest(rig, httpText('POST', target, { 'content-type': 'application/json' }, '{}')));
  });

  it('an absolute-form URL to the webhook still needs a signature', async () => {
    expectJson4xx(await rawRequest(rig, httpText('POST', `http://evil.example${WEBHOOK_PATH}`, { 'content-type': 'application/json' }, '{}')), 401);
  });

  it('a URL longer than the header limit is 431', async () => {
    expectJson4xx(await rawRequest(rig, httpText('POST', `${WEBHOOK_PATH}/${'x'.repeat(20 * 1024)}`)), 431);
  });
});

describe('bad framing and headers', () => {
  it.each([
    ['conflicting Content-Length headers', 'POST /api/sentry-webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}'],
    ['Content-Length and Transfer-Encoding together', 'POST /api/sentry-webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'],
    ['a negative Content-Length', 'POST /api/sentry-webhook HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
    ['an invalid chunk size', 'POST /api/sentry-webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n'],
    ['an unknown method', 'FROB /api/sentry-webhook HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a NUL byte in the URL', 'POST /api/sentry-webhook\0 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad HTTP version', 'POST /api/sentry-webhook HTTP/9.7\r\nHost: x\r\n\r\n'],
    ['garbage instead of a request line', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n'],
    ['a header without a colon', 'POST /api/sentry-webhook HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n'],
    ['a space before the header colon', 'POST /api/sentry-webhook HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\n{}'],
  ])('%s is a JSON 400', async (_name, raw) => {
    expectJson4xx(await rawRequest(rig, Buffer.from(raw, 'latin1')), 400);
  });

  it('headers over the size limit are 431', async () => {
    const { body, headers } = signed();
    expectJson4xx(await rawRequest(rig, httpText('POST', WEBHOOK_PATH, { ...headers, 'x-junk': 'y'.repeat(17 * 1024) }, body)), 431);
  });

  it('thousands of small headers are cut to the first 100 and still need a valid signature', async () => {
    const { body } = signed();
    const many: Record<string, string> = { 'content-type': 'application/json' };
    for (let i = 0; i < 1500; i++) many[`x-h${i}`] = '1';
    expectJson4xx(await rawRequest(rig, httpText('POST', WEBHOOK_PATH, many, body)));
  });

  it('a valid signature duplicated with a forged one is refused', async () => {
    const { body, headers } = signed();
    const raw = httpText('POST', WEBHOOK_PATH, headers, body).replace('\r\n\r\n', `\r\nSentry-Hook-Signature: ${'0'.repeat(64)}\r\n\r\n`);
    expectJson4xx(await rawRequest(rig, raw), 401);
  });

  it.each([['GET'], ['PUT'], ['DELETE'], ['PATCH'], ['OPTIONS'], ['HEAD']])('%s on the webhook path is 405', async (method) => {
    const ans = await rawRequest(rig, httpText(method, WEBHOOK_PATH));
    expect(ans.status).toBe(405);
    if (method !== 'HEAD') expectJson4xx(ans, 405);
  });

  it('a signed body that is not JSON is 400, and a signed non-JSON content type 415', async () => {
    const bad = sentryRequest({}, { resource: 'event_alert' });
    const notJson = '{"action": "triggered", "data": {';
    const sig = (await import('../../src/receive/verify.js')).signBody(SECRET, notJson);
    expectJson4xx(await rawRequest(rig, httpText('POST', WEBHOOK_PATH, { ...bad.headers, 'sentry-hook-signature': sig }, notJson)), 400);
    const { body, headers } = signed();
    expectJson4xx(await rawRequest(rig, httpText('POST', WEBHOOK_PATH, { ...headers, 'content-type': 'text/plain' }, body)), 415);
  });
});

describe('bodies cut, aborted or too large', () => {
  it('a body cut mid-way (client half-closes early) stores nothing and leaves the receiver serving', async () => {
    const { body, headers } = signed();
    const text = httpText('POST', WEBHOOK_PATH, headers, body);
    const ans = await rawRequest(rig, text.slice(0, text.length - Math.floor(body.length / 2)));
    // The parser sees the end of the stream before the end of the body.
    expectJson4xx(ans, 400);
  });

  it('an upload aborted with a reset stores nothing', async () => {
    const { body, headers } = signed();
    const socket = await openSocket(rig);
    socket.write(httpText('POST', WEBHOOK_PATH, headers, body).slice(0, -100));
    await new Promise((r) => setTimeout(r, 50));
    socket.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 50));
  });

  it('a chunked body over the limit without Content-Length is refused with 413 as soon as it passes the limit', async () => {
    const socket = await openSocket(rig);
    const answer = collect(socket);
    const { headers } = signed();
    socket.write(httpText('POST', WEBHOOK_PATH, { ...headers, 'transfer-encoding': 'chunked' }));
    const chunk = 'x'.repeat(64 * 1024);
    // One byte past the 1 MB limit, and the sender never finishes: the answer must not wait for it.
    for (let sent = 0; sent <= 1024 * 1024; sent += chunk.length) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const ans = parseAnswer(await answer);
    expectJson4xx(ans, 413);
    expect(ans.headers.toLowerCase()).toContain('connection: close');
  });

  it('a declared Content-Length over the limit is 413 before any body is read', async () => {
    const { headers } = signed();
    expectJson4xx(await rawRequest(rig, httpText('POST', WEBHOOK_PATH, { ...headers, 'content-length': String(50 * 1024 * 1024) }), { keepOpen: true, timeoutMs: 5000 }), 413);
  });
});
