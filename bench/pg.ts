// `npm run bench` section "pg" (BENCH_ONLY=pg runs only this): issue 14's figures for replicas
// sharing PostgreSQL, every receiver the real `sentry-tg serve` child, one generator (load.ts):
//   - accepted webhooks/s at c=20 (closed loop) for SQLite, PostgreSQL ×1 and PostgreSQL ×2
//     (the 20 connections spread round-robin over the two replicas' ports);
//   - a storm: two replicas, webhooks spread over both, all for one supergroup, the fake Telegram
//     enforcing Telegram's real limits: 429 count (must be 0) and backlog drain time.
// Each PostgreSQL run gets a fresh database, created and dropped here, on the server of
// BENCH_DATABASE_URL (default: SENTRY_TG_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test).
// Knobs: BENCH_SECONDS (per throughput run, default 5), PG_STORM_WEBHOOKS (2000),
// PG_STORM_SECONDS (20), STORM_ISSUES (50); BENCH_PIN=0 (receivers are pinned to core 1 by
// default, both replicas included). Returns the storm's broken promises (empty: kept).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startFakeTelegram } from '../test/fakes/telegram.js';
import { f, figures, requestsFor, startServe, stop, type Figures, type Target } from './ingest-rig.js';
import { closedLoop, openLoop, type LoadResult } from './load.js';
import { stormVerdict } from './verdict.js';

const BIN = new URL('../bin/sentry-tg.js', import.meta.url).pathname;
const STEP_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const STORM_WEBHOOKS = Number(process.env.PG_STORM_WEBHOOKS ?? 2000);
const STORM_SECONDS = Number(process.env.PG_STORM_SECONDS ?? 20);
const ISSUES = Number(process.env.STORM_ISSUES ?? 50);
const CLIENTS = 20;
const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.SENTRY_TG_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const PRIVATE = 777;
const GROUP = -100778;

/** A fresh database on the bench server; `drop` removes it (connections and all). */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void>; count: (sql: string) => Promise<number> }> {
  const name = `sentry_tg_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const count = async (sql: string) => {
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      return Number((await c.query<{ n: string }>(sql)).rows[0]!.n);
    } finally {
      await c.end();
    }
  };
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), count };
}

/** One load over several receivers at once, the connections (or the rate) spread evenly. */
async function spread(targets: Target[], run: (t: Target, share: number) => Promise<LoadResult>, total: number): Promise<LoadResult> {
  const parts = await Promise.all(targets.map((t, i) => run(t, Math.floor(total / targets.length) + (i < total % targets.length ? 1 : 0))));
  return {
    ok: parts.reduce((n, p) => n + p.ok, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    seconds: Math.max(...parts.map((p) => p.seconds)),
    latenciesMs: parts.flatMap((p) => p.latenciesMs),
  };
}

async function health(t: Target): Promise<{ queue: { pending: number; undeliverable: number } }> {
  return (await (await fetch(`http://${t.host}:${t.port}/health`)).json()) as { queue: { pending: number; undeliverable: number } };
}

export async function pgSection(): Promise<string[]> {
  const tg = await startFakeTelegram(); // Telegram's limits enforced
  tg.addChat({ id: PRIVATE, type: 'private', firstName: 'Bench' });
  tg.addChat({ id: GROUP, type: 'supergroup', title: 'Bench storm (replicas)' });
  const dataDir = mkdtempSync(join(tmpdir(), 'sentry-tg-bench-pg-'));
  let dirs = 0;
  const env = (chat: number, extra: Record<string, string> = {}) => ({
    SENTRY_ALERT_TELEGRAM_TOKEN: tg.token,
    SENTRY_ALERT_CHAT_ID: String(chat),
    TELEGRAM_API_ROOT: tg.url,
    SENTRY_TG_DATA_DIR: join(dataDir, `r${++dirs}`),
    SENTRY_TG_FSYNC: 'full',
    ...extra,
  });
  const databases: Awaited<ReturnType<typeof freshDatabase>>[] = [];
  const replicasOn = async (n: number, chat: number): Promise<Target[]> => {
    const db = await freshDatabase();
    databases.push(db);
    const out: Target[] = [];
    // One after the other: the first applies the migrations, the others find them done.
    for (let i = 1; i <= n; i++) {
      out.push(await startServe(`PostgreSQL ×${n} #${i}`, BIN, env(chat, { SENTRY_TG_DATABASE_URL: db.url, SENTRY_TG_REPLICA_ID: `bench-${i}` })));
    }
    return out;
  };
  const running: Target[] = [];
  try {
    console.log(`\nPostgreSQL: accepted webhooks per second at c=${CLIENTS} (closed loop, ${STEP_SECONDS} s; every answer after a durable commit)`);
    console.log('| store | req/s | p50 ms | p99 ms | errors |');
    console.log('|---|---:|---:|---:|---:|');
    const row = (label: string, x: Figures) => console.log(`| ${label} | ${f(x.rps, 0)} | ${f(x.p50, 2)} | ${f(x.p99, 2)} | ${x.errors} |`);
    const closed = (t: Target, c: number) => closedLoop(t.port, c, STEP_SECONDS, requestsFor(t, ISSUES), t.host);
    for (const [label, start] of [
      ['SQLite (one replica)', async () => [await startServe('SQLite', BIN, env(PRIVATE))]],
      ['PostgreSQL ×1', () => replicasOn(1, PRIVATE)],
      ['PostgreSQL ×2', () => replicasOn(2, PRIVATE)],
    ] as const) {
      const targets = await start();
      running.push(...targets);
      row(label, figures(await spread(targets, closed, CLIENTS)));
      for (const t of targets) await stop(t);
    }

    // ---- the storm: two replicas, one group ----
    const pair = await replicasOn(2, GROUP);
    running.push(...pair);
    const before = { rateLimited: tg.rateLimited, calls: tg.calls.length };
    console.log(
      `\nPostgreSQL storm: ${STORM_WEBHOOKS} webhooks for ${ISSUES} issues within ${STORM_SECONDS} s, spread over two replicas, into one supergroup (fake Telegram enforces 1/s per chat, 20/min per group, 30/s per bot)`,
    );
    const load = await spread(pair, (t, share) => openLoop(t.port, share / STORM_SECONDS, STORM_SECONDS, requestsFor(t, ISSUES), t.host), STORM_WEBHOOKS);
    const sentAt = performance.now();
    let q = (await health(pair[0]!)).queue;
    while (q.pending > 0 && performance.now() - sentAt < 10 * 60_000) {
      await new Promise((r) => setTimeout(r, 250));
      q = (await health(pair[0]!)).queue;
    }
    const drainS = (performance.now() - sentAt) / 1000;
    const msgs = tg.messagesIn(GROUP);
    let reflected = 0;
    for (const m of msgs) {
      if (m.text.includes('SENTRY DIGEST')) {
        for (const line of m.text.split('\n')) if (/BenchError\d+/.test(line)) reflected += Number(/×(\d+)/.exec(line)?.[1] ?? 1);
      } else {
        reflected += Number(/Seen (\d+) times/.exec(m.text)?.[1] ?? 1);
      }
    }
    const calls = tg.calls.slice(before.calls).filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText');
    const rateLimited = tg.rateLimited - before.rateLimited;
    // A 503 answered after the commit's confirmation timed out (ACCEPT_TIMEOUT_MS) may still have
    // committed: such an alert is delivered though Sentry was told it failed. So the alerts to
    // account for are the rows in the database; every 2xx must be among them.
    const stored = await databases[databases.length - 1]!.count('SELECT count(*) AS n FROM outbox');
    console.log('| webhooks answered 2xx | not 2xx | rows stored | Telegram messages | edits | 429s | backlog empty after last webhook | alerts reflected / stored |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${load.ok} | ${load.errors} | ${stored} | ${msgs.length} | ${calls.filter((c) => c.method === 'editMessageText' && c.status === 200).length} | ${rateLimited} | ${f(drainS)} s | ${reflected} / ${stored} |`,
    );
    for (const t of pair) await stop(t);
    const broken = stormVerdict({ rateLimited, accepted: stored, reflected, ...q });
    if (load.ok > stored) broken.push(`${load.ok - stored} webhook(s) answered 2xx without a stored row`);
    return broken;
  } finally {
    await Promise.all(running.map(stop));
    await tg.close();
    for (const db of databases) await db.drop().catch((err: Error) => console.error(`could not drop a bench database: ${err.message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
