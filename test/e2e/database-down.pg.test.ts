// `serve` on PostgreSQL when the database goes away: the real binary behind a TCP proxy to the
// test server that the test cuts and restores. While it is cut, webhooks get 503 (never 2xx
// without a commit) and /health is 503 with the reason; once it is back, webhooks are accepted
// again without a restart and every accepted alert is delivered. A start with the database
// unreachable is a clear error that shows no password.
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { SECRET, sentryRequest, tempDir } from '../helpers.js';
import { describePg, dropSchema, freshSchema, inSchema, TEST_DATABASE_URL } from '../store/pg/pg-helpers.js';
import { BIN, serveEnv, startServe, type Child } from './serve-child.js';
import { spawn } from 'node:child_process';

const CHAT = 7373;

/** A TCP proxy to the test PostgreSQL that can be cut (listener closed, sockets destroyed) and restored. */
async function startProxy() {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      await new Promise<void>((r) => {
        server!.close(() => r());
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (server?.listening ? server.close(() => r()) : r()));
    },
  };
}

/**
 * A TCP proxy to the test PostgreSQL that can turn into a black hole: connections are accepted
 * and bytes are swallowed, nothing ever answers (a network that drops packets, a frozen server).
 */
async function startBlackholeProxy() {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  let holed = false;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (holed) {
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => undefined);
    client.on('data', (d) => void (holed || upstream.write(d)));
    upstream.on('data', (d) => void (holed || client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    blackhole() {
      holed = true;
    },
    /** Back to a working network: the swallowed connections are gone (their streams are broken). */
    restore() {
      for (const s of sockets) s.destroy();
      holed = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

function payload(i: number) {
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: `dbd${i}z`.padEnd(32, '0'),
        title: `DbDown#${i}#`,
        level: 'error',
        issue_id: `61${i}`,
        web_url: `https://sentry.io/organizations/acme/issues/61${i}/`,
      },
      triggered_rule: 'db test',
    },
  };
}

async function post(url: string, i: number): Promise<number> {
  const { body, headers } = sentryRequest(payload(i), { resource: 'event_alert' });
  return (await fetch(url + WEBHOOK_PATH, { method: 'POST', headers, body })).status;
}

async function until<T>(probe: () => Promise<T | null | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describePg('serve on PostgreSQL when the database goes away', () => {
  /** `serve` on a fresh schema, reaching PostgreSQL only through `proxy`; cleaned up after the test. */
  async function serveBehind(proxy: { port: number; close(): Promise<void> }, dirPrefix: string) {
    const schema = freshSchema();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    const tg: FakeTelegram = await startFakeTelegram();
    tg.addChat({ id: CHAT, type: 'private', firstName: 'Ops' });
    const dir = tempDir(dirPrefix);
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    url.searchParams.set('options', `-csearch_path=${schema}`);
    let child: Child | undefined;
    cleanup = async () => {
      child?.proc.kill('SIGKILL');
      await child?.exited;
      await proxy.close();
      await tg.close();
      dir.cleanup();
      await dropSchema(schema);
    };
    child = await startServe({ ...serveEnv(tg, CHAT, SECRET, dir.path), SENTRY_TG_DATABASE_URL: url.toString(), SENTRY_TG_REPLICA_ID: 'only' });
    return { child, tg, schema };
  }

  it('answers 503 and /health 503 with the reason while it is down, and recovers without a restart', async () => {
    const proxy = await startProxy();
    const { child, tg, schema } = await serveBehind(proxy, 'sentry-tg-dbdown-');

    expect(await post(child.url, 1)).toBe(202);
    await tg.waitFor((t) => t.messagesIn(CHAT).length === 1, 15_000);
    // serve records that it runs (doctor counts the live replicas from this heartbeat).
    expect(await inSchema(schema, 'SELECT id FROM replicas')).toEqual([{ id: 'only' }]);

    await proxy.cut();
    const codes = [await post(child.url, 2).catch((e) => (console.log(child.output()), Promise.reject(e))), await post(child.url, 3)];
    expect(codes).toEqual([503, 503]);
    const sick = await fetch(child.url + '/health');
    expect(sick.status).toBe(503);
    const body = (await sick.json()) as { storage: { ok: boolean; reason: string }; replica: { reachable: boolean; database: string } };
    expect(body.storage).toMatchObject({ ok: false, reason: expect.stringMatching(/database server cannot be reached/) });
    expect(body.replica).toMatchObject({ database: 'postgres', reachable: false });

    await proxy.restore();
    // The storage probe clears the failure once a write succeeds; webhooks are accepted again.
    await until(async () => (await fetch(child.url + '/health')).status === 200, 20_000, '/health back to 200');
    expect(await post(child.url, 4)).toBe(202);
    await tg.waitFor((t) => t.messagesIn(CHAT).some((m) => m.text.includes('DbDown#4#')), 15_000);
    // The 503-answered alerts were never stored, so never sent: Sentry was told they failed.
    const texts = tg.messagesIn(CHAT).map((m) => m.text).join('\n');
    expect(texts).toContain('DbDown#1#');
    expect(texts).not.toContain('DbDown#2#');
    expect(texts).not.toContain('DbDown#3#');
  }, 90_000);

  it('a database that accepts connections but never answers: 503 within Sentry\'s 1 s, never 2xx, then recovery', async () => {
    const proxy = await startBlackholeProxy();
    const { child, tg, schema } = await serveBehind(proxy, 'sentry-tg-dbhole-');
    expect(await post(child.url, 11)).toBe(202);
    await tg.waitFor((t) => t.messagesIn(CHAT).length === 1, 15_000);

    proxy.blackhole();
    // Pooled connections that hang, then new connections that hang: each answered in time, 503.
    for (const i of [12, 13, 14]) {
      const started = performance.now();
      const code = await post(child.url, i);
      const ms = performance.now() - started;
      expect({ code, fast: ms < 1000 }).toEqual({ code: 503, fast: true });
    }

    proxy.restore();
    await until(async () => (await fetch(child.url + '/health')).status === 200, 30_000, '/health back to 200');
    expect(await post(child.url, 15)).toBe(202);
    await tg.waitFor((t) => t.messagesIn(CHAT).some((m) => m.text.includes('DbDown#15#')), 15_000);
    // What the black hole swallowed never reached the server: never stored, never sent.
    const rows = await inSchema<{ n: number }>(schema, `SELECT count(*)::int AS n FROM outbox WHERE convert_from(body, 'UTF8') LIKE '%DbDown#1_#%'`);
    expect(rows[0]!.n).toBe(2);
  }, 90_000);

  it('refuses to start when the database cannot be reached, with a clear error and no password shown', async () => {
    const tg = await startFakeTelegram();
    const dir = tempDir('sentry-tg-dbdown-');
    cleanup = async () => {
      await tg.close();
      dir.cleanup();
    };
    const env = {
      ...serveEnv(tg, CHAT, SECRET, dir.path),
      SENTRY_TG_DATABASE_URL: 'postgres://sentry:not-a-real-pass-xyz@127.0.0.1:9/sentry',
    };
    const proc = spawn(process.execPath, [BIN, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).not.toBe(0);
    expect(out).toMatch(/Cannot open the PostgreSQL database at .*127\.0\.0\.1:9.*connection refused/);
    expect(out).not.toContain('not-a-real-pass-xyz');
  }, 30_000);
});
