// Fsync before the answer, shown on the wire: with the default SENTRY_TG_FSYNC=full, the write-ahead
// log's fdatasync is held, and not one byte of the answer leaves the socket until it completes.
// A failing fdatasync (EIO) is a 503, never a 202, and the receiver recovers on the next good one.
import { fdatasync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FdatasyncFn } from '../../src/store/store.js';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { fixture, sentryRequest } from '../helpers.js';
import { collect, httpText, openSocket, parseAnswer, startReceiverRig, type ReceiverRig } from './rig.js';
import { connectionOf } from '../../src/store/testing.js';

let rig: ReceiverRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
function webhook() {
  const alert = structuredClone(fixture('event_alert.triggered.json')) as { data: { event: { event_id: string } } };
  alert.data.event.event_id = `f5${Date.now().toString(16)}${seq++}`.padEnd(32, '0');
  const { body, headers } = sentryRequest(alert, { resource: 'event_alert' });
  return httpText('POST', WEBHOOK_PATH, headers, body);
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('fsync before the answer (SENTRY_TG_FSYNC=full, the default)', () => {
  it('sends no byte of the 202 while the fdatasync of the WAL is held, and the 202 once it completes', async () => {
    const held: (() => void)[] = [];
    const holding: FdatasyncFn = (fd, callback) => held.push(() => fdatasync(fd, callback));
    rig = await startReceiverRig({ fdatasync: holding, settings: { fsync: 'full' } });

    const socket = await openSocket(rig);
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    const answer = collect(socket);
    socket.write(webhook());

    await until(() => held.length === 1);
    // The row is committed (the dispatcher may even start on it), but Sentry is not told yet.
    expect(connectionOf(rig.receiver.store).prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 1 });
    await sleep(500);
    expect(received).toBe('');

    held.shift()!();
    const ans = parseAnswer(await answer);
    expect(ans.status).toBe(202);
    expect(JSON.parse(ans.body)).toMatchObject({ status: 'ok', duplicate: false });
  });

  it('answers 503 when the fdatasync fails, /health says why, and the next good write clears it', async () => {
    let failNext = true;
    const flaky: FdatasyncFn = (fd, callback) => {
      if (!failNext) return fdatasync(fd, callback);
      failNext = false;
      callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5 }));
    };
    rig = await startReceiverRig({ fdatasync: flaky, settings: { fsync: 'full' } });
    const post = async () => {
      const socket = await openSocket(rig!);
      const answer = collect(socket);
      socket.write(webhook());
      return parseAnswer(await answer);
    };

    const failed = await post();
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.body)).toEqual({ status: 'error', message: expect.stringMatching(/^Could not store the alert: the disk reported an I\/O error \(EIO\)/) });
    const sick = await fetch(`${rig.receiver.localUrl}/health`);
    expect(sick.status).toBe(503);
    const health = (await sick.json()) as { status: string; storage: { ok: boolean; reason: string }; warnings: string[] };
    expect(health.storage).toMatchObject({ ok: false, reason: 'the disk reported an I/O error (EIO)' });
    expect(health.warnings.join('\n')).toContain('Alerts cannot be stored');

    expect((await post()).status).toBe(202);
    const well = await fetch(`${rig.receiver.localUrl}/health`);
    expect(well.status).toBe(200);
    expect(((await well.json()) as { storage: unknown }).storage).toEqual({ ok: true });
  });
});
