// The pieces of the ingest bench (bench/ingest.ts): signed webhooks, a receiver child (this
// build, an older build, or a bare node:http server), its memory, and a database pre-filled
// with many issues. Kept apart so the section itself reads as the list of what it measures.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { signBody } from '../src/receive/verify.js';
import { sentryJson } from '../test/fakes/sentry.js';
import { buildPost, type LoadRequest, type LoadResult } from './load.js';

export const SECRET = 'bench-webhook-secret-0123456789abcdef';
// Server on core 1, generator and fake Telegram on core 0, as in issue 12's measurements.
const PIN = process.env.BENCH_PIN !== '0' && process.platform === 'linux';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let seq = 0;
/** A signed event_alert with its own event id, Request-ID and HMAC, for one of `issues` issues. */
export function signedAlert(issues: number): { body: string; headers: Record<string, string> } {
  seq += 1;
  const issue = seq % issues;
  const body = sentryJson({
    action: 'triggered',
    installation: { uuid: 'a8e5d37a-696c-4c54-adb5-b3f28d64c7de' },
    data: {
      event: {
        event_id: randomBytes(16).toString('hex'),
        title: `BenchError${issue}: something broke`,
        level: 'error',
        issue_id: String(1000 + issue),
        culprit: 'bench.py in work',
        environment: 'production',
        web_url: `https://sentry.io/organizations/bench/issues/${1000 + issue}/`,
        exception: { values: [{ type: `BenchError${issue}`, value: 'something broke', stacktrace: { frames: [{ filename: 'bench.py', lineno: 12, function: 'work', in_app: true }] } }] },
      },
      triggered_rule: 'bench',
    },
    actor: { type: 'application', id: 'sentry', name: 'Sentry' },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'sentry-hook-resource': 'event_alert',
      'sentry-hook-timestamp': String(Math.floor(Date.now() / 1000)),
      'request-id': randomBytes(16).toString('hex'),
      'sentry-hook-signature': signBody(SECRET, body),
    },
  };
}

/** Where a load goes: a child we started, or a peer given by URL. */
export interface Target {
  label: string;
  host: string;
  port: number;
  path: string;
  child?: ChildProcess;
}

export const requestsFor = (t: Target, issues: number) => (): LoadRequest => {
  const w = signedAlert(issues);
  return buildPost(t.port, t.path, w.headers, w.body, t.host);
};

export function targetOfUrl(url: string): Target {
  const u = new URL(url);
  return { label: `peer ${u.host}`, host: u.hostname, port: Number(u.port || 80), path: `${u.pathname}${u.search}` };
}

function spawnPinned(args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const opts = { stdio: ['ignore', 'pipe', 'inherit'] as ('ignore' | 'pipe' | 'inherit')[], ...(env ? { env } : {}) };
  return PIN ? spawn('taskset', ['-c', '1', process.execPath, ...args], opts) : spawn(process.execPath, args, opts);
}

/** Pins this process (generator, fake Telegram) to core 0 when the server is pinned to core 1. */
export function pinGenerator(): void {
  if (!PIN) return;
  spawn('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
}

export async function startBare(): Promise<Target> {
  const port = await freePort();
  // The ceiling: read the body, answer 202 JSON. No parsing, no signature, no storage.
  const code = `require('node:http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(202,{'content-type':'application/json','content-length':15});s.end('{"status":"ok"}')})}).listen(${port},'127.0.0.1',()=>console.log('ready'))`;
  const child = spawnPinned(['-e', code]);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return { label: 'bare node:http', host: '127.0.0.1', port, path: '/api/sentry-webhook', child };
}

/** `sentry-tg serve` of the given build, durable (fsync full), logging JSON lines to a drained pipe. */
export async function startServe(label: string, bin: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Target> {
  const port = await freePort();
  const child = spawnPinned([...nodeArgs, bin, 'serve'], { PATH: process.env.PATH ?? '', PORT: String(port), SENTRY_WEBHOOK_SECRET: SECRET, ...env });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      if (!out.includes('receiver listening')) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // a full pipe would block the child
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null) => reject(new Error(`serve exited ${code}: ${out}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  return { label, host: '127.0.0.1', port, path: '/api/sentry-webhook', child };
}

export function stop(t: Target): Promise<void> {
  const child = t.child;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

export function rssMiB(t: Target): number {
  const status = readFileSync(`/proc/${t.child!.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/**
 * `count` delivered alerts of `count` distinct issues, each with its Telegram message, written
 * straight into a database a receiver created (stopped meanwhile). Plain SQL on the columns
 * every schema since the outbox has, so an older build can be measured the same way.
 */
export function prefillIssues(dbFile: string, count: number, chatId: string): void {
  const db = new Database(dbFile);
  const now = Date.now();
  const ids = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})`;
  db.transaction(() => {
    db.exec(`${ids} INSERT INTO outbox (received_at, request_id, dedup_key, resource, action, body, chat_id, group_key, state, next_attempt_at, message_id, done_at)
      SELECT ${now}, lower(hex(randomblob(16))), 'prefill:' || i, 'event_alert', 'triggered', CAST('{}' AS BLOB), '${chatId}', 'issue:' || (9000000 + i), 'sent', ${now}, i, ${now} FROM n`);
    db.exec(`${ids} INSERT INTO messages (chat_id, message_id, group_key, kind, count, first_seen, last_seen, alert_id, updated_at, issue_id)
      SELECT '${chatId}', 1000000 + i, 'issue:' || (9000000 + i), 'alert', 1, ${now}, ${now}, i, ${now}, CAST(9000000 + i AS TEXT) FROM n`);
  })();
  db.close();
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export function figures(r: LoadResult): Figures {
  const l = [...r.latenciesMs].sort((x, y) => x - y);
  return { rps: r.ok / r.seconds, p50: pct(l, 50), p99: pct(l, 99), errors: r.errors };
}

export const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
