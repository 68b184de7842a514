// `npm run bench`: the real `sentry-tg serve` (a child process) against the fake Telegram.
//   1. a fixed 200 requests/s for a few seconds on a fresh receiver (p99 target: under 10 ms),
//      with SENTRY_TG_FSYNC=full and normal;
//   2. throughput and answer latency at several concurrencies, signature check and durable
//      commit included, next to a bare node:http server on the same machine in the same run;
//   3. a storm: many webhooks for a few distinct issues into one group chat whose limits the
//      fake Telegram enforces like Telegram does;
//   4. resident memory of the receiver before and after;
//   0. first, start-up: --help / --version against a bare node, and idle RSS (bench/startup.ts).
// Exits non-zero when the storm broke a promise: any 429, an alert not reflected exactly once
// in the chat, a backlog that did not drain, or an alert parked as undeliverable.
// Figures go to stdout as tables. Environment knobs: BENCH_SECONDS (per concurrency step,
// default 5), STORM_WEBHOOKS (10000), STORM_ISSUES (50), STORM_SECONDS (60); BENCH_ONLY=startup,
// BENCH_ONLY=ingest (issue 12's targets, bench/ingest.ts; `--peer URL`), BENCH_ONLY=storm or
// BENCH_ONLY=pg (replicas on PostgreSQL, bench/pg.ts: SQLite vs PostgreSQL ×1 / ×2 at c=20 and a
// two-replica storm; needs a PostgreSQL server) runs only that part. The full run includes pg
// only with BENCH_PG=1 (a machine without PostgreSQL still runs the rest).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTelegram } from '../test/fakes/telegram.js';
import { buildPost, closedLoop, openLoop, type LoadResult } from './load.js';
import { ingestSection } from './ingest.js';
import { SECRET, signedAlert } from './ingest-rig.js';
import { pgSection } from './pg.js';
import { startupSection } from './startup.js';
import { stormVerdict } from './verdict.js';

const BIN = new URL('../bin/sentry-tg.js', import.meta.url).pathname;
const STEP_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const STORM_WEBHOOKS = Number(process.env.STORM_WEBHOOKS ?? 10_000);
const STORM_ISSUES = Number(process.env.STORM_ISSUES ?? 50);
const STORM_SECONDS = Number(process.env.STORM_SECONDS ?? 60);
const CONCURRENCIES = [1, 8, 32, 128];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}


function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(r: LoadResult) {
  const l = [...r.latenciesMs].sort((x, y) => x - y);
  return { rps: r.ok / r.seconds, p50: pct(l, 50), p99: pct(l, 99), max: l[l.length - 1] ?? NaN, errors: r.errors };
}

const requestFor = (port: number) => () => {
  const w = signedAlert(STORM_ISSUES);
  return buildPost(port, '/api/sentry-webhook', w.headers, w.body);
};

function startBare(port: number): Promise<ChildProcess> {
  // The ceiling: read the body, answer 202 JSON. No parsing, no signature, no storage.
  const code = `require('node:http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(202,{'content-type':'application/json','content-length':15});s.end('{"status":"ok"}')})}).listen(${port},'127.0.0.1',()=>console.log('ready'))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
}

const serverMs = new Map<ChildProcess, number[]>();

function startServe(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), SENTRY_WEBHOOK_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      if (out.includes('receiver listening')) {
        child.stdout!.off('data', onData);
        // Keep draining the log (a full pipe would block the child) and keep the server-side
        // answer times it reports, to tell the receiver's own latency from the network's.
        let partial = '';
        child.stdout!.on('data', (d: Buffer) => {
          const lines = (partial + d.toString()).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            const m = /"outcome":"accepted".*?"ms":([\d.]+)|"ms":([\d.]+).*?"outcome":"accepted"/.exec(line);
            if (m) serverMs.get(child)?.push(Number(m[1] ?? m[2]));
          }
        });
        serverMs.set(child, []);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function get(port: number, path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as Record<string, unknown>;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function main(): Promise<void> {
  console.log(`sentry-tg benchmark · node ${process.version} · ${new Date().toISOString()}`);
  if (process.env.BENCH_ONLY === undefined || process.env.BENCH_ONLY === 'startup') await startupSection();
  if (process.env.BENCH_ONLY === 'startup') return;
  // Issue 12's ingest targets (and `--peer URL`): before the older sections, in the same run.
  if (process.env.BENCH_ONLY === undefined || process.env.BENCH_ONLY === 'ingest') await ingestSection(process.argv.slice(2));
  if (process.env.BENCH_ONLY === 'ingest') return;
  if (process.env.BENCH_ONLY === 'pg' || (process.env.BENCH_ONLY === undefined && process.env.BENCH_PG === '1')) {
    const broken = await pgSection();
    if (broken.length) {
      console.log(`\nPOSTGRESQL STORM FAILED:\n${broken.map((b) => `  - ${b}`).join('\n')}`);
      process.exitCode = 1;
    } else {
      console.log('\nPostgreSQL storm: 0 × 429, every accepted alert accounted for');
    }
    if (process.env.BENCH_ONLY === 'pg') return;
  }
  const tg = await startFakeTelegram(); // Telegram-like limits enforced
  const PRIVATE = 777;
  const GROUP = -100777;
  tg.addChat({ id: PRIVATE, type: 'private', firstName: 'Bench' });
  tg.addChat({ id: GROUP, type: 'supergroup', title: 'Bench storm' });
  const dataDir = mkdtempSync(join(tmpdir(), 'sentry-tg-bench-'));

  const receiverEnv = (dir: string, extra: Record<string, string> = {}) => ({
    SENTRY_ALERT_TELEGRAM_TOKEN: tg.token,
    SENTRY_ALERT_CHAT_ID: String(PRIVATE),
    TELEGRAM_API_ROOT: tg.url,
    SENTRY_TG_DATA_DIR: join(dataDir, dir),
    ...extra,
  });

  let rssStart = NaN;
  let rssAfterLoad = NaN;
  let h1: Record<string, unknown> = {};
  // BENCH_ONLY=storm skips the latency and throughput runs.
  if (process.env.BENCH_ONLY !== 'storm') {
  // ---- 1. a fixed, realistic rate on a fresh receiver -------------------------------------
    console.log(`\n1. Fixed rate: 200 requests/s for ${2 * STEP_SECONDS} s after a 2 s warm-up, fresh receiver (answer latency)`);
    console.log('| SENTRY_TG_FSYNC | achieved req/s | p50 ms | p99 ms | max ms | server-side p50 ms | server-side p99 ms | errors |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const mode of ['full', 'normal']) {
      const port = await freePort();
      const child = await startServe(port, receiverEnv(`fixed-${mode}`, { SENTRY_TG_FSYNC: mode }));
      // Warm up first (JIT, caches, the first fsyncs): a receiver runs for weeks, not seconds.
      await openLoop(port, 200, 2, requestFor(port));
      await new Promise((r) => setTimeout(r, 200));
      serverMs.set(child, []);
      const fixed = summary(await openLoop(port, 200, 2 * STEP_SECONDS, requestFor(port)));
      await new Promise((r) => setTimeout(r, 200));
      const own = [...(serverMs.get(child) ?? [])].sort((a, b) => a - b);
      console.log(
        `| ${mode} | ${f(fixed.rps, 0)} | ${f(fixed.p50, 2)} | ${f(fixed.p99, 2)} | ${f(fixed.max, 2)} | ${f(pct(own, 50), 2)} | ${f(pct(own, 99), 2)} | ${fixed.errors} |`,
      );
      await stop(child);
    }
  
    // ---- 2. throughput ---------------------------------------------------------------------
    const barePort = await freePort();
    const bare = await startBare(barePort);
    const servePort = await freePort();
    const serve = await startServe(servePort, receiverEnv('throughput'));
    rssStart = rssMiB(serve.pid!);
  
    console.log(`\n2. Accepted webhooks per second (closed loop, ${STEP_SECONDS} s per step; receiver: HMAC check, SQLite commit and WAL fsync before each answer)`);
    console.log('| clients | bare node:http req/s | sentry-tg req/s | ratio | sentry-tg p50 ms | sentry-tg p99 ms | errors |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of CONCURRENCIES) {
      const b = summary(await closedLoop(barePort, c, STEP_SECONDS, requestFor(barePort)));
      const s = summary(await closedLoop(servePort, c, STEP_SECONDS, requestFor(servePort)));
      if (b.errors) console.log(`(bare server answered ${b.errors} requests with errors)`);
      console.log(`| ${c} | ${f(b.rps, 0)} | ${f(s.rps, 0)} | ${f((100 * s.rps) / b.rps)}% | ${f(s.p50, 2)} | ${f(s.p99, 2)} | ${s.errors} |`);
    }
    await stop(bare);
    rssAfterLoad = rssMiB(serve.pid!);
    h1 = await get(servePort, '/health');
    await stop(serve);
  }

  // ---- 3. storm ------------------------------------------------------------------------------
  const stormPort = await freePort();
  const storm = await startServe(stormPort, {
    SENTRY_ALERT_TELEGRAM_TOKEN: tg.token,
    SENTRY_ALERT_CHAT_ID: String(GROUP),
    TELEGRAM_API_ROOT: tg.url,
    SENTRY_TG_DATA_DIR: join(dataDir, 'storm'),
  });
  const stormRssStart = rssMiB(storm.pid!);
  const rateLimitedBefore = tg.rateLimited;
  const callsBefore = tg.calls.length;
  console.log(`\n3. Storm: ${STORM_WEBHOOKS} webhooks for ${STORM_ISSUES} issues within ${STORM_SECONDS} s into one supergroup (fake Telegram enforces 1/s per chat, 20/min per group)`);
  const stormLoad = await openLoop(stormPort, STORM_WEBHOOKS / STORM_SECONDS, STORM_SECONDS, requestFor(stormPort));
  const accepted = stormLoad.ok;
  const refused = stormLoad.errors;
  const sentAt = performance.now();
  let pending = Infinity;
  while (pending > 0 && performance.now() - sentAt < 15 * 60_000) {
    await new Promise((r) => setTimeout(r, 250));
    pending = ((await get(stormPort, '/health')).queue as { pending: number }).pending;
  }
  const drainedAt = performance.now();
  const stormRssEnd = rssMiB(storm.pid!);
  const health = await get(stormPort, '/health');
  await stop(storm);

  // Accounting from what Telegram shows: each message's own alert, its counter, digest lines.
  const msgs = tg.messagesIn(GROUP);
  let reflected = 0;
  for (const m of msgs) {
    if (m.text.includes('SENTRY DIGEST')) {
      for (const line of m.text.split('\n')) {
        if (!/BenchError\d+/.test(line)) continue;
        reflected += Number(/×(\d+)/.exec(line)?.[1] ?? 1);
      }
    } else {
      reflected += Number(/Seen (\d+) times/.exec(m.text)?.[1] ?? 1);
    }
  }
  const stormCalls = tg.calls.slice(callsBefore).filter((c) => ['sendMessage', 'editMessageText'].includes(c.method));
  console.log('| webhooks accepted | refused | Telegram messages | edits | 429s | backlog empty after last webhook | alerts reflected in messages |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${accepted} | ${refused} | ${msgs.length} | ${stormCalls.filter((c) => c.method === 'editMessageText' && c.status === 200).length} | ${tg.rateLimited - rateLimitedBefore} | ${f((drainedAt - sentAt) / 1000)} s | ${reflected} / ${accepted} (${f((100 * reflected) / Math.max(1, accepted))}%) |`,
  );

  console.log('\n4. Receiver memory (RSS)');
  console.log('| run | start MiB | end MiB |');
  console.log('|---|---:|---:|');
  console.log(`| throughput | ${f(rssStart)} | ${f(rssAfterLoad)} |`);
  console.log(`| storm | ${f(stormRssStart)} | ${f(stormRssEnd)} |`);
  console.log(`\nhealth after throughput: queue ${JSON.stringify(h1.queue)}`);
  console.log(`health after storm: queue ${JSON.stringify(health.queue)}`);

  await tg.close();
  rmSync(dataDir, { recursive: true, force: true });

  const queue = health.queue as { pending: number; undeliverable: number };
  const broken = stormVerdict({ rateLimited: tg.rateLimited - rateLimitedBefore, accepted, reflected, ...queue });
  if (broken.length) {
    console.log(`\nSTORM FAILED:\n${broken.map((b) => `  - ${b}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('\nstorm: 0 × 429, every accepted alert accounted for');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
