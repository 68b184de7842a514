// Start-up figures for `npm run bench` (alone: BENCH_ONLY=startup): how long `sentry-tg --help`
// and `--version` take next to a bare `node -e 0` in the same run (target: within 2×), and the
// resident memory of an idle `serve` 5 s after it listens, against the fake Telegram (target:
// at most 80 MiB). Times are medians of 10 runs, RSS the median of 5 receivers.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTelegram } from '../test/fakes/telegram.js';

const BIN = new URL('../bin/sentry-tg.js', import.meta.url).pathname;
const RUNS = 10;
const RSS_RUNS = 5;
const IDLE_MS = 5000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Wall-clock milliseconds of one run of node with these arguments, output discarded. */
function timeOnce(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return ms;
}

/** Medians of RUNS runs each, interleaved so a burst of load on the machine hits all alike. */
export function startTimes(): { bare: number; help: number; version: number } {
  const cases = { bare: ['-e', '0'], help: [BIN, '--help'], version: [BIN, '--version'] };
  const times: Record<keyof typeof cases, number[]> = { bare: [], help: [], version: [] };
  for (const k of Object.keys(cases) as (keyof typeof cases)[]) timeOnce(cases[k]); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const k of Object.keys(cases) as (keyof typeof cases)[]) times[k].push(timeOnce(cases[k]));
  }
  return { bare: median(times.bare), help: median(times.help), version: median(times.version) };
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** RSS of a real `serve` (JSON logs to a pipe, as under systemd or Docker) after IDLE_MS idle. */
async function idleRssOnce(tg: { token: string; url: string }, chatId: number, dataDir: string): Promise<number> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', SENTRY_ALERT_TELEGRAM_TOKEN: tg.token, SENTRY_ALERT_CHAT_ID: String(chatId), TELEGRAM_API_ROOT: tg.url, SENTRY_TG_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('receiver listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return rssMiB(child.pid!);
  } finally {
    await new Promise<void>((r) => {
      child.once('exit', () => r());
      child.kill('SIGTERM');
    });
  }
}

export async function idleRss(): Promise<number> {
  const tg = await startFakeTelegram();
  const chatId = 778;
  tg.addChat({ id: chatId, type: 'private', firstName: 'Bench' });
  const dir = mkdtempSync(join(tmpdir(), 'sentry-tg-bench-idle-'));
  try {
    const runs: number[] = [];
    for (let i = 0; i < RSS_RUNS; i++) runs.push(await idleRssOnce(tg, chatId, join(dir, String(i))));
    return median(runs);
  } finally {
    await tg.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startupSection(): Promise<void> {
  console.log(`\n0. Start-up: median of ${RUNS} runs each (target: --help and --version within 2× node -e 0), and idle serve RSS (median of ${RSS_RUNS}, ${IDLE_MS / 1000} s after it listens; target ≤ 80 MiB)`);
  const t = startTimes();
  const r = (ms: number) => `${(ms / t.bare).toFixed(2)}×`;
  console.log('| command | median ms | vs node -e 0 |');
  console.log('|---|---:|---:|');
  console.log(`| node -e 0 | ${t.bare.toFixed(0)} | 1.00× |`);
  console.log(`| sentry-tg --help | ${t.help.toFixed(0)} | ${r(t.help)} |`);
  console.log(`| sentry-tg --version | ${t.version.toFixed(0)} | ${r(t.version)} |`);
  console.log(`| serve, idle RSS | ${(await idleRss()).toFixed(1)} MiB | |`);
}
