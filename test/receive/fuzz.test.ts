// Property: whatever arrives on the socket (method, path with percent garbage, headers, body,
// framing), the real production listener answers without crashing, never with a 2xx for the
// unauthenticated or a 5xx for bad input, and nothing is stored or sent to Telegram.
// A webhook secret is configured, as in production; no generated request can carry a valid
// signature or URL token.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { fixture, sentryRequest } from '../helpers.js';
import { rawRequest, startReceiverRig, type ReceiverRig } from './rig.js';
import { connectionOf } from '../../src/store/testing.js';

const RUNS = 800;

let rig: ReceiverRig;
beforeAll(async () => {
  rig = await startReceiverRig();
});
afterAll(() => rig.close());

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

const pieces = fc.oneof(
  fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4', '%C0%AF', '%ED%A0%80', '%FF', '%00', '%2F', '%25', '..', '/', '//', '?', '#', ';', '+', 'api', 'sentry-webhook'),
  printable,
);
const path = fc.oneof(
  fc.constant(WEBHOOK_PATH),
  fc.constant(WEBHOOK_PATH),
  fc.array(pieces, { maxLength: 6 }).map((p) => `${WEBHOOK_PATH}/${p.join('')}`),
  fc.array(pieces, { maxLength: 8 }).map((p) => `/${p.join('')}`),
  fc.constantFrom('*', '/', 'http://evil.example/api/sentry-webhook', '/sentry-debug', '/health/../api/sentry-webhook'),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${WEBHOOK_PATH}/${'a'.repeat(n)}`),
);
const method = fc.oneof(
  { arbitrary: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'CONNECT', 'TRACE', 'post'), weight: 8 },
  { arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/), weight: 1 },
);
const headerName = fc.oneof(
  fc.constantFrom(
    'Content-Type', 'Content-Length', 'Transfer-Encoding', 'Sentry-Hook-Signature', 'Sentry-Hook-Resource',
    'Sentry-Hook-Timestamp', 'Request-ID', 'Expect', 'Connection', 'Host', 'Content-Encoding', 'Upgrade',
  ),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/),
);
// Weighted towards well-formed values so that most requests get past the parser to the handler.
const headerValue = fc.oneof(
  { arbitrary: printable, weight: 6 },
  {
    arbitrary: fc.constantFrom('application/json', 'chunked', '100-continue', 'gzip', '0', '-1', '99999999999', 'a'.repeat(64), 'event_alert', 'close', 'websocket'),
    weight: 6,
  },
  { arbitrary: fc.integer({ min: 1, max: 40_000 }).map((n) => 'v'.repeat(n)), weight: 1 },
  { arbitrary: anyText, weight: 1 },
);
// What Sentry sends, with a forged signature: these reach the signature check and the handler.
const sentryLike = fc
  .tuple(
    fc.constantFrom('event_alert', 'issue', 'error', 'metric_alert', 'comment', 'installation', 'x'),
    fc.stringMatching(/^[0-9a-f]{64}$/),
    fc.integer({ min: 0, max: 4_000_000_000 }),
    fc.stringMatching(/^[0-9a-f]{32}$/),
  )
  .map(([resource, sig, ts, id]): [string, string][] => [
    ['Content-Type', 'application/json'],
    ['Sentry-Hook-Resource', resource],
    ['Sentry-Hook-Signature', sig],
    ['Sentry-Hook-Timestamp', String(ts)],
    ['Request-ID', id],
  ]);
const headerList = fc.oneof(
  fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }),
  fc.tuple(sentryLike, fc.array(fc.tuple(headerName, headerValue), { maxLength: 2 })).map(([a, b]) => [...a, ...b]),
);

const body = fc.oneof(
  fc.constant(''),
  anyText,
  fc.json(),
  fc.constant(sentryRequest(fixture('event_alert.triggered.json'), { resource: 'event_alert', secret: null }).body),
  fc.integer({ min: 900_000, max: 1_200_000 }).map((n) => 'x'.repeat(n)),
);
const framing = fc.constantFrom('length', 'length', 'length', 'short', 'none', 'chunked', 'chunked', 'broken-chunks');

function build(m: string, target: string, headers: [string, string][], payload: string, frame: string): Buffer {
  const lines = [`${m} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers.map(([k, v]) => `${k}: ${v}`)];
  const bytes = Buffer.from(payload, 'latin1');
  let tail: Buffer = bytes;
  if (frame === 'length') lines.push(`Content-Length: ${bytes.length}`);
  if (frame === 'short') {
    lines.push(`Content-Length: ${bytes.length + 10}`);
  }
  if (frame === 'chunked' || frame === 'broken-chunks') {
    lines.push('Transfer-Encoding: chunked');
    const size = frame === 'chunked' ? bytes.length.toString(16) : `${bytes.length + 3}x`;
    tail = Buffer.concat([Buffer.from(`${size}\r\n`), bytes, Buffer.from(bytes.length ? '\r\n0\r\n\r\n' : '\r\n')]);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), tail]);
}

describe('the production listener under random requests', () => {
  it(`answers ${RUNS} random requests without a crash, a 5xx, or an unauthenticated 2xx; stores and sends nothing`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(method, path, headerList, body, framing, async (m, target, headers, payload, frame) => {
        const ans = await rawRequest(rig, build(m, target, headers, payload, frame), { timeoutMs: 5000 });
        const key = String(ans.status);
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (ans.status === null) return; // the server closed without answering (CONNECT, a cut body)
        expect(ans.status).toBeLessThan(500);
        // The only 2xx a stranger may get is the health check.
        if (ans.status < 300) expect(target.split('?')[0]).toMatch(/^\/health\/?$/);
        if (ans.status >= 400 && m !== 'HEAD' && ans.body.length > 0) {
          expect(JSON.parse(ans.body)).toMatchObject({ status: 'error' });
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 60_000 },
    );
    // Still serving, nothing stored, nothing sent.
    expect((await fetch(`${rig.receiver.localUrl}/health`)).status).toBe(200);
    expect(connectionOf(rig.receiver.store).prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    expect(rig.tg.callsTo('sendMessage')).toHaveLength(0);
    expect(rig.tg.messages).toHaveLength(0);
    // The run must have reached the parts that matter, not only the parser's refusals.
    for (const status of ['400', '401', '404', '405', '413']) expect(seen.get(status) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(0);
    console.info(`fuzz: ${RUNS} requests, answers ${JSON.stringify(Object.fromEntries(seen))}`);
  }, 120_000);
});
