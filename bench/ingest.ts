// `npm run bench` section "ingest" (BENCH_ONLY=ingest runs only this): issue 12's targets, all
// measured in one run with one generator (bench/load.ts), every request a signed event_alert
// with its own event id, Request-ID and HMAC, every receiver durable (SENTRY_TG_FSYNC=full):
//   - bare node:http at c=20 next to sentry-tg at c=1/10/20/100 (p50/p99), the ratio at c=20;
//   - p99 at a paced 200 req/s;
//   - throughput with 100 000 distinct issues in the database vs an empty one;
//   - peak RSS during a flat-out run (BENCH_FLAT_SECONDS, default 60).
// Options: `--peer URL` runs the same load against another receiver; BENCH_BASE_BIN=/path/to/
// bin/sentry-tg.js also measures an older build in the same run (before/after on one machine
// state); BENCH_CPU_PROF=dir writes a CPU profile of this build's receiver (node --cpu-prof).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTelegram } from '../test/fakes/telegram.js';
import {
  f,
  figures,
  pinGenerator,
  prefillIssues,
  requestsFor,
  rssMiB,
  startBare,
  startServe,
  stop,
  targetOfUrl,
  type Figures,
  type Target,
} from './ingest-rig.js';
import { closedLoop, openLoop } from './load.js';

const BIN = new URL('../bin/sentry-tg.js', import.meta.url).pathname;
const STEP_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const FLAT_SECONDS = Number(process.env.BENCH_FLAT_SECONDS ?? 60);
const PREFILL_ISSUES = Number(process.env.BENCH_PREFILL_ISSUES ?? 100_000);
const ISSUES = 50;
const CONCURRENCIES = [1, 10, 20, 100];
const CHAT = 777;

const closed = (t: Target, c: number, seconds: number) => closedLoop(t.port, c, seconds, requestsFor(t, ISSUES), t.host).then(figures);
const paced = (t: Target, rps: number, seconds: number) => openLoop(t.port, rps, seconds, requestsFor(t, ISSUES), t.host).then(figures);
const cell = (x: Figures) => `${f(x.rps, 0)}/s · ${f(x.p50, 1)} / ${f(x.p99, 1)} ms${x.errors ? ` · ${x.errors} err` : ''}`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

export function peerUrl(argv: string[]): string | undefined {
  const i = argv.indexOf('--peer');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith('--peer='))?.slice('--peer='.length);
}

export async function ingestSection(argv: string[]): Promise<void> {
  pinGenerator();
  const tg = await startFakeTelegram();
  tg.addChat({ id: CHAT, type: 'private', firstName: 'Bench' });
  const dataDir = mkdtempSync(join(tmpdir(), 'sentry-tg-ingest-'));
  let dirs = 0;
  const env = (dir = `r${++dirs}`) => ({
    SENTRY_ALERT_TELEGRAM_TOKEN: tg.token,
    SENTRY_ALERT_CHAT_ID: String(CHAT),
    TELEGRAM_API_ROOT: tg.url,
    SENTRY_TG_DATA_DIR: join(dataDir, dir),
  });
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const builds: { label: string; start: () => Promise<Target> }[] = [
    { label: 'sentry-tg (this build)', start: () => startServe('sentry-tg (this build)', BIN, env(), prof) },
  ];
  if (process.env.BENCH_BASE_BIN) {
    const base = process.env.BENCH_BASE_BIN;
    builds.unshift({ label: 'sentry-tg (base build)', start: () => startServe('sentry-tg (base build)', base, env()) });
  }
  const peer = peerUrl(argv);
  if (peer) builds.push({ label: `peer ${peer}`, start: async () => targetOfUrl(peer) });

  console.log(`\nIngest (issue 12): durable, fsync full; ${STEP_SECONDS} s per step; load average ${load()}`);
  console.log('| receiver | c=1 | c=10 | c=20 | c=100 | bare c=20 (same moment) | ratio c=20 | paced 200/s p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const bare = await startBare();
  const verdicts: string[] = [];
  for (const b of builds) {
    const t = await b.start();
    await closed(t, 20, 2); // warm-up: JIT, caches, the first fsyncs
    const by = new Map<number, Figures>();
    let ceiling: Figures | undefined;
    for (const c of CONCURRENCIES) {
      if (c === 20) ceiling = await closed(bare, 20, STEP_SECONDS);
      by.set(c, await closed(t, c, STEP_SECONDS));
    }
    await paced(t, 200, 2);
    const slow = await paced(t, 200, 2 * STEP_SECONDS);
    const ratio = (100 * by.get(20)!.rps) / ceiling!.rps;
    console.log(
      `| ${b.label} | ${CONCURRENCIES.map((c) => cell(by.get(c)!)).join(' | ')} | ${f(ceiling!.rps, 0)}/s | ${f(ratio)}% | ${f(slow.p99, 2)} |`,
    );
    if (t.child === undefined || b.label.includes('this build')) {
      verdicts.push(
        `${b.label}: c=20 ratio ${f(ratio)}% (target ≥ 60%: ${ratio >= 60 ? 'met' : 'NOT met'}); ` +
          `paced p99 ${f(slow.p99, 2)} ms (≤ 10: ${slow.p99 <= 10 ? 'met' : 'NOT met'}); ` +
          `c=100 p99 ${f(by.get(100)!.p99, 1)} ms (≤ 100: ${by.get(100)!.p99 <= 100 ? 'met' : 'NOT met'})`,
      );
    }
    await stop(t);
  }
  await stop(bare);
  console.log(`(cells: accepted req/s · p50 / p99 answer ms; load average after: ${load()})`);

  // ---- many issues in the database vs none ----------------------------------------------
  console.log(`\nThroughput at c=20 with ${PREFILL_ISSUES} distinct issues in the database vs an empty one (${STEP_SECONDS} s each)`);
  console.log('| receiver | empty | pre-filled | change |');
  console.log('|---|---:|---:|---:|');
  for (const b of builds.filter((x) => !x.label.startsWith('peer'))) {
    const bin = b.label.includes('base') ? process.env.BENCH_BASE_BIN! : BIN;
    const emptyEnv = env();
    const fullEnv = env();
    // Let the receiver create and migrate its database, then fill it while it is stopped.
    await stop(await startServe(b.label, bin, fullEnv));
    prefillIssues(join(fullEnv.SENTRY_TG_DATA_DIR, 'sentry-tg.db'), PREFILL_ISSUES, String(CHAT));
    const results: Figures[] = [];
    for (const e of [emptyEnv, fullEnv]) {
      const t = await startServe(b.label, bin, e);
      await closed(t, 20, 2);
      results.push(await closed(t, 20, STEP_SECONDS));
      await stop(t);
    }
    const change = (100 * (results[1]!.rps - results[0]!.rps)) / results[0]!.rps;
    console.log(`| ${b.label} | ${f(results[0]!.rps, 0)}/s | ${f(results[1]!.rps, 0)}/s | ${change >= 0 ? '+' : ''}${f(change)}% |`);
    if (b.label.includes('this build')) verdicts.push(`after ${PREFILL_ISSUES} issues: ${f(change)}% (within 10%: ${Math.abs(change) <= 10 || change > 0 ? 'met' : 'NOT met'})`);
  }

  // ---- flat out, memory ----------------------------------------------------------------
  console.log(`\nFlat out at c=20 for ${FLAT_SECONDS} s: resident memory of the receiver`);
  console.log('| receiver | req/s | p99 ms | RSS idle MiB | RSS peak MiB | RSS end MiB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const b of builds.filter((x) => !x.label.startsWith('peer'))) {
    const bin = b.label.includes('base') ? process.env.BENCH_BASE_BIN! : BIN;
    const t = await startServe(b.label, bin, env());
    const idle = rssMiB(t);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(t))), 250);
    const run = await closed(t, 20, FLAT_SECONDS);
    clearInterval(sampler);
    const end = rssMiB(t);
    console.log(`| ${b.label} | ${f(run.rps, 0)} | ${f(run.p99, 1)} | ${f(idle)} | ${f(peak)} | ${f(end)} |`);
    if (b.label.includes('this build')) verdicts.push(`flat-out ${FLAT_SECONDS} s: peak RSS ${f(peak)} MiB (idle ${f(idle)})`);
    await stop(t);
  }

  console.log(`\nTargets (load average ${load()}):\n${verdicts.map((v) => `  - ${v}`).join('\n')}`);
  await tg.close();
  rmSync(dataDir, { recursive: true, force: true });
}
