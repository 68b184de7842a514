// A real full disk: the data directory lives on a 2 MB tmpfs that the test fills until SQLite
// cannot write. Sentry must then get 503 (never a 202 for an alert that is not stored), /health
// must say why, and once space is freed the receiver accepts again without a restart.
// Mounting needs root, as tests and CI run; only a developer's non-root run may skip.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { fixture, sentryRequest } from '../helpers.js';
import { startReceiverRig, type ReceiverRig } from './rig.js';
import { connectionOf } from '../../src/store/testing.js';

const mayNotMount = process.getuid?.() !== 0 && !process.env.CI;

let mountDir: string;
let mounted = false;
let rig: ReceiverRig | undefined;

beforeAll(() => {
  if (mayNotMount) return;
  mountDir = mkdtempSync(join(tmpdir(), 'sentry-tg-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountDir]);
  mounted = true;
});

afterAll(async () => {
  await rig?.close();
  if (mounted) execFileSync('umount', [mountDir]);
  if (mountDir) rmSync(mountDir, { recursive: true, force: true });
});

let seq = 0;
async function post(padBytes = 0): Promise<{ status: number; body: { status: string; message?: string; id?: number } }> {
  const alert = structuredClone(fixture('event_alert.triggered.json')) as { data: { event: Record<string, unknown> } };
  alert.data.event.event_id = `d15c${seq++}`.padEnd(32, '0');
  alert.data.event.padding = 'p'.repeat(padBytes);
  const { body, headers } = sentryRequest(alert, { resource: 'event_alert' });
  const res = await fetch(rig!.receiver.localUrl + WEBHOOK_PATH, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { status: string; message?: string; id?: number } };
}

/** Writes zeros into `path` until the file system refuses (ENOSPC). */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(mayNotMount)('disk full on a real tmpfs', () => {
  it('answers 503 while writes fail, /health turns 503 with the reason, and recovers when space is freed', async () => {
    rig = await startReceiverRig({ dataDir: join(mountDir, 'data'), settings: { fsync: 'full' } });
    expect((await post()).status).toBe(202);

    const filler = join(mountDir, 'filler');
    fill(filler);
    const answers: number[] = [];
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const res = await post(32 * 1024);
      answers.push(res.status);
      if (res.status !== 202) refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body).toEqual({ status: 'error', message: expect.stringMatching(/^Could not store the alert: the disk is full/) });
    // Every 202 before the refusal is a row on disk; the refused one is not.
    const accepted = 1 + answers.filter((s) => s === 202).length;
    expect(connectionOf(rig.receiver.store).prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: accepted });

    const sick = await fetch(`${rig.receiver.localUrl}/health`);
    expect(sick.status).toBe(503);
    const health = (await sick.json()) as { storage: { ok: boolean; reason: string }; warnings: string[] };
    expect(health.storage).toMatchObject({ ok: false, reason: expect.stringMatching(/^the disk is full \((SQLITE_FULL|ENOSPC)\)$/) });
    expect(health.warnings.join('\n')).toMatch(/Alerts cannot be stored: the disk is full/);

    // Still full: still refused, not accepted.
    expect((await post(32 * 1024)).status).toBe(503);

    unlinkSync(filler);
    // No webhook needed: a probe write finds the disk writable again and /health recovers.
    const deadline = Date.now() + 15_000;
    let last = '';
    for (;;) {
      const res = await fetch(`${rig.receiver.localUrl}/health`);
      last = await res.text();
      // The dispatcher's own writes failed too while the disk was full (it counts them as a
      // Telegram failure); its next successful round clears that.
      if (res.status === 200 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.parse(last), last).toMatchObject({ status: 'ok', storage: { ok: true } });
    const again = await post();
    expect(again.status).toBe(202);
    expect(connectionOf(rig.receiver.store).prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: accepted + 1 });
  });
});
