// kill -9 in the middle of a webhook load, while SQLite's checkpoints copy the write-ahead log
// into the database file. The real binary, default fsync (full).
// Promise: every webhook answered 202 is in the database after the kill.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { databasePath } from '../../src/store/store.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { SECRET, sentryRequest, tempDir } from '../helpers.js';
import { serveEnv, startServe } from './serve-child.js';

const CHAT = 6363;
// A few kB per alert, like a real event with a stack trace, so the log fills quickly.
const frames = Array.from({ length: 30 }, (_, i) => ({ filename: `app/module${i}.py`, lineno: i + 1, function: `step${i}`, in_app: true }));

function payload(i: number) {
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: randomBytes(16).toString('hex'),
        title: `LoadKill#${i}#`,
        level: 'error',
        issue_id: String(9100 + (i % 40)),
        web_url: `https://sentry.io/organizations/acme/issues/${9100 + (i % 40)}/`,
        exception: { values: [{ type: 'LoadKill', value: 'x'.repeat(200), stacktrace: { frames } }] },
      },
      triggered_rule: 'load kill test',
    },
  };
}

let tg: FakeTelegram;
let dir: ReturnType<typeof tempDir>;

beforeAll(async () => {
  tg = await startFakeTelegram();
  tg.addChat({ id: CHAT, type: 'private', firstName: 'Ops' });
  dir = tempDir('sentry-tg-killload-');
});
afterAll(async () => {
  await tg.close();
  dir.cleanup();
});

describe('sentry-tg serve killed in the middle of a load', () => {
  it('SIGKILL with 20 requests in flight and checkpoints running: every 202 is in the database', async () => {
    const child = await startServe(serveEnv(tg, CHAT, SECRET, dir.path));
    const file = databasePath(dir.path);
    const startBytes = statSync(file).size;
    const accepted: string[] = [];
    let failed = 0;
    let next = 0;
    let killed = false;
    const KILL_AFTER = 2500;
    async function client(): Promise<void> {
      while (!killed) {
        const i = next++;
        const requestId = randomBytes(16).toString('hex');
        const { body, headers } = sentryRequest(payload(i), { resource: 'event_alert', requestId });
        try {
          const res = await fetch(child.url + WEBHOOK_PATH, { method: 'POST', headers, body });
          await res.arrayBuffer();
          if (res.status === 202) accepted.push(requestId);
          else failed += 1;
        } catch {
          failed += 1; // cut by the kill: never answered, so never promised
        }
      }
    }
    // Killed from a timer, not from a response, so requests are cut at every stage.
    let grownBytes = 0;
    const killer = setInterval(() => {
      if (accepted.length < KILL_AFTER) return;
      clearInterval(killer);
      grownBytes = statSync(file).size - startBytes;
      child.proc.kill('SIGKILL');
      killed = true;
    }, 3);
    await Promise.all(Array.from({ length: 20 }, client));
    await child.exited;

    const db = new Database(file);
    const stored = new Set((db.prepare('SELECT request_id AS id FROM outbox').all() as { id: string }[]).map((r) => r.id));
    db.close();
    const lost = accepted.filter((id) => !stored.has(id));
    console.log(`kill -9 under load: ${accepted.length} accepted, ${failed} cut or refused, ${stored.size} rows after the kill, ${lost.length} lost, database file +${(grownBytes / 1048576).toFixed(1)} MiB before the kill`);
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // The log was being copied into the database file (checkpoints) while the load ran.
    expect(grownBytes).toBeGreaterThan(1024 * 1024);
    expect(lost).toEqual([]);
  }, 120_000);
});
