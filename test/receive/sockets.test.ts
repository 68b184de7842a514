// Slow and greedy clients against the real listener, with the production bounds shortened so the
// test runs in seconds: every socket is freed, and honest clients are served afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import express from 'express';
import { createReceiverServer, DEFAULT_HTTP_LIMITS, guardListener } from '../../src/receive/server.js';
import { requestListener } from '../../src/receive/app.js';
import { createWebhookHandler } from '../../src/receive/webhook.js';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { silentLogger } from '../../src/log/logger.js';
import { fixture, sentryRequest, sqliteOf } from '../helpers.js';
import { collect, httpText, openSocket, parseAnswer, rawRequest, startReceiverRig, type ReceiverRig } from './rig.js';

const LIMITS = { headersTimeoutMs: 600, requestTimeoutMs: 1200, keepAliveTimeoutMs: 300, maxConnections: 6, timeoutCheckIntervalMs: 100 };

let rig: ReceiverRig;
beforeAll(async () => {
  rig = await startReceiverRig({ http: LIMITS });
});
afterAll(() => rig.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `text` one byte every `gapMs` until the socket closes; resolves with the bytes written. */
function dribble(socket: Socket, text: string, gapMs: number): Promise<number> {
  return new Promise((ok) => {
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || !socket.writable || i >= text.length) {
        clearInterval(timer);
        return ok(i);
      }
      socket.write(text[i++]!);
    }, gapMs);
    socket.on('close', () => (clearInterval(timer), ok(i)));
  });
}

let seq = 0;
/** The fixture with a new event id, so it is not a duplicate of the last one. */
function freshAlert(): unknown {
  const alert = structuredClone(fixture('event_alert.triggered.json')) as { data: { event: { event_id: string } } };
  alert.data.event.event_id = `${Date.now().toString(16)}${seq++}`.padEnd(32, 'f');
  return alert;
}

async function served(): Promise<void> {
  const { body, headers } = sentryRequest(freshAlert(), { resource: 'event_alert' });
  const res = await fetch(rig.receiver.localUrl + WEBHOOK_PATH, { method: 'POST', headers, body });
  expect(res.status).toBe(202);
}

describe('bounded sockets', () => {
  it('headers dribbled a byte at a time (slowloris) are cut with a JSON 408', async () => {
    const socket = await openSocket(rig);
    const answer = collect(socket, 10_000);
    const text = httpText('POST', WEBHOOK_PATH, { 'content-type': 'application/json', 'x-pad': 'p'.repeat(200) }, '{}');
    const written = await dribble(socket, text, 20);
    const ans = parseAnswer(await answer);
    expect(ans.status).toBe(408);
    expect(JSON.parse(ans.body)).toMatchObject({ status: 'error' });
    expect(written).toBeLessThan(text.length);
  });

  it('a body dribbled a byte at a time is cut with a JSON 408 and nothing is stored', async () => {
    const before = sqliteOf(rig.receiver.store).stats().pending;
    const { body, headers } = sentryRequest(freshAlert(), { resource: 'event_alert' });
    const text = httpText('POST', WEBHOOK_PATH, headers, body);
    const socket = await openSocket(rig);
    const answer = collect(socket, 10_000);
    const headEnd = text.indexOf('\r\n\r\n') + 4;
    socket.write(text.slice(0, headEnd));
    const written = await dribble(socket, text.slice(headEnd), 20);
    const ans = parseAnswer(await answer);
    expect(ans.status).toBe(408);
    expect(written).toBeLessThan(body.length);
    expect(sqliteOf(rig.receiver.store).stats().pending).toBe(before);
  });

  it('a connection that never sends a byte gets a 408 and is closed', async () => {
    const socket = await openSocket(rig);
    const closed = new Promise<boolean>((ok) => {
      const timer = setTimeout(() => ok(false), 10_000);
      socket.on('close', () => (clearTimeout(timer), ok(true)));
    });
    const answer = collect(socket, 10_000);
    expect(await closed).toBe(true);
    expect(parseAnswer(await answer).status).toBe(408);
  });

  it('an idle keep-alive connection is closed after its request', async () => {
    const socket = await openSocket(rig);
    const closedByServer = new Promise<boolean>((ok) => {
      const timer = setTimeout(() => ok(false), 10_000);
      socket.on('close', () => (clearTimeout(timer), ok(true)));
    });
    const answer = collect(socket, 10_000);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await closedByServer).toBe(true);
    expect(parseAnswer(await answer).status).toBe(200);
  });

  it('connections beyond the cap are refused at once, and freed slots serve again', async () => {
    const held = await Promise.all(Array.from({ length: LIMITS.maxConnections }, () => openSocket(rig)));
    for (const s of held) s.on('error', () => undefined);
    // Each holder has started a request, so its slot is really in use.
    for (const s of held) s.write('POST /api/sentry-webhook HTTP/1.1\r\nHost: x\r\n');
    await sleep(50);
    const extra = await rawRequest(rig, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 400 });
    expect(extra.status).toBeNull();
    for (const s of held) s.destroy();
    await sleep(50);
    await served();
  });

  it('after all that, an honest webhook is accepted', async () => {
    await served();
  });
});

describe('a bug in a handler', () => {
  it('answers 500 JSON for that request only; the server keeps serving', async () => {
    const errors: unknown[] = [];
    const intake = {
      accept: () => {
        throw new Error('bug in the intake');
      },
    };
    const webhook = createWebhookHandler({ webhookSecret: undefined, bodyLimitBytes: 1024, intake, logger: silentLogger() });
    const app = express();
    app.get('/boom', () => {
      throw new Error('bug in a route');
    });
    app.get('/ok', (_q, r) => void r.json({ ok: true }));
    const sync = (req: Parameters<typeof webhook>[0], res: Parameters<typeof webhook>[1]) => {
      if (req.url === '/sync-throw') throw new Error('bug in the listener');
      requestListener(app, webhook)(req, res);
    };
    const server = createReceiverServer(guardListener(sync, (err) => errors.push(err)), DEFAULT_HTTP_LIMITS, silentLogger());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const at = { host: '127.0.0.1', port: (server.address() as { port: number }).port };
    try {
      const thrown = await rawRequest(at, httpText('GET', '/sync-throw'));
      expect(thrown.status).toBe(500);
      expect(JSON.parse(thrown.body)).toEqual({ status: 'error', message: 'Internal error' });
      expect(errors).toHaveLength(1);
      const inBody = await rawRequest(at, httpText('POST', WEBHOOK_PATH, { 'content-type': 'application/json' }, '{}'));
      expect(inBody.status).toBe(500);
      expect(JSON.parse(inBody.body)).toMatchObject({ status: 'error' });
      expect((await rawRequest(at, httpText('GET', '/ok'))).status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
