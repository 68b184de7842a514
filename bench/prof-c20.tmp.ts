import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTelegram } from '../test/fakes/telegram.js';
import { figures, pinGenerator, requestsFor, startServe, startBare, stop } from './ingest-rig.js';
import { closedLoop, openLoop } from './load.js';
pinGenerator();
const tg = await startFakeTelegram();
tg.addChat({ id: 777, type: 'private', firstName: 'B' });
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const args = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
const bin = process.env.BIN ?? new URL('../bin/sentry-tg.js', import.meta.url).pathname;
const t = await startServe('x', bin, { SENTRY_ALERT_TELEGRAM_TOKEN: tg.token, SENTRY_ALERT_CHAT_ID: '777', TELEGRAM_API_ROOT: tg.url, SENTRY_TG_DATA_DIR: dir, ...(process.env.LOGLEVEL ? { LOG_LEVEL: process.env.LOGLEVEL } : {}) }, args);
const C = Number(process.env.C ?? 20);
const ms: number[] = [];
let buf = '';
let collect = false;
t.child!.stdout!.on('data', (d: Buffer) => { buf += d.toString(); let i; while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); if (collect && line.includes('"outcome":"accepted"')) { const m = /"ms":([\d.]+)/.exec(line); if (m) ms.push(Number(m[1])); } } });
const srv = () => { const l = ms.splice(0).sort((a, b) => a - b); const q = (p: number) => l[Math.floor(p * (l.length - 1))]?.toFixed(2); return `server n=${l.length} p50 ${q(0.5)} p99 ${q(0.99)} p999 ${q(0.999)} max ${q(1)}`; };
await closedLoop(t.port, 20, 2, requestsFor(t, 50));
if (process.env.PACED) {
  for (let i = 0; i < 3; i++) { collect = true; const r = figures(await openLoop(t.port, 200, 5, requestsFor(t, 50))); console.log('paced', r.p50.toFixed(2), r.p99.toFixed(2), srv()); }
} else {
  for (let i = 0; i < 3; i++) { collect = true; const r = figures(await closedLoop(t.port, C, 5, requestsFor(t, 50))); console.log('c', C, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), srv()); }
}
await stop(t);
if (process.env.BARE) { const b = await startBare(); console.log('bare', figures(await closedLoop(b.port, 20, 5, requestsFor(b, 50)))); await stop(b); }
await tg.close();
import Database from 'better-sqlite3';
const db = new Database(join(dir, 'sentry-tg.db'));
console.log(db.prepare('SELECT state, COUNT(*) n FROM outbox GROUP BY state').all());
console.log(db.prepare('SELECT COUNT(*) n FROM messages').all(), db.prepare('SELECT outcome, COUNT(*) n FROM attempts GROUP BY outcome').all());
