// Hostile requests against the real listener over a real socket: each gets a JSON 4xx, nothing
// is stored or sent, and the receiver keeps serving the next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { fixture, sentryRequest } from '../helpers.js';
import { httpText, rawRequest, startReceiverRig, type ReceiverRig } from './rig.js';

let rig: ReceiverRig;
beforeAll(async () => {
  rig = await startReceiverRig();
});
afterAll(() => rig.close());

async function stillServes(): Promise<void> {
  const res = await fetch(`${rig.receiver.localUrl}/health`);
  expect(res.status).toBe(200);
}

function expectJson4xx(ans: { status: number | null; body: string }, status?: number): void {
  expect(ans.status, ans.body).not.toBeNull();
  if (status) expect(ans.status).toBe(status);
  expect(ans.status!).toBeGreaterThanOrEqual(400);
  expect(ans.status!).toBeLessThan(500);
  expect(JSON.parse(ans.body)).toMatchObject({ status: 'error', message: expect.any(String) });
}

describe('malformed URLs', () => {
  it('POST /api/sentry-webhook/%ZZ is a JSON 400 and the receiver keeps serving', async () => {
    const { body, headers } = sentryRequest(fixture('event_alert.triggered.json'), { resource: 'event_alert' });
    const ans = await rawRequest(rig, httpText('POST', `${WEBHOOK_PATH}/%ZZ`, headers, body));
    expectJson4xx(ans, 400);
    await stillServes();
    expect(rig.receiver.store.stats().pending).toBe(0);
  });
});
