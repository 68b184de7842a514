import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTelegram } from '../test/fakes/telegram.js';
import { figures, requestsFor, startServe, stop, pinGenerator } from './ingest-rig.js';
import { closedLoop, openLoop } from './load.js';
pinGenerator();
const bins: Record<string, string> = { base: '/tmp/p-base/bin/sentry-tg.js', new: new URL('../bin/sentry-tg.js', import.meta.url).pathname };
const tg = await startFakeTelegram();
tg.addChat({ id: 777, type: 'private', firstName: 'B' });
const dir = mkdtempSync(join(tmpdir(), 'pab-'));
let n = 0;
const t: Record<string, Awaited<ReturnType<typeof startServe>>> = {};
for (const k of Object.keys(bins)) {
  t[k] = await startServe(k, bins[k]!, { SENTRY_ALERT_TELEGRAM_TOKEN: tg.token, SENTRY_ALERT_CHAT_ID: '777', TELEGRAM_API_ROOT: tg.url, SENTRY_TG_DATA_DIR: join(dir, String(n++)) });
  await closedLoop(t[k]!.port, 20, 2, requestsFor(t[k]!, 50));
}
for (let i = 0; i < 3; i++) for (const k of Object.keys(bins)) {
  const c1 = figures(await closedLoop(t[k]!.port, 1, 3, requestsFor(t[k]!, 50)));
  const p = figures(await openLoop(t[k]!.port, 200, 3, requestsFor(t[k]!, 50)));
  console.log(k, 'c=1', c1.rps.toFixed(0), c1.p50.toFixed(2), c1.p99.toFixed(2), '| paced p50/p99', p.p50.toFixed(2), p.p99.toFixed(2));
}
for (const k of Object.keys(bins)) await stop(t[k]!);
await tg.close();
