// Issue 10, point 8: doctor names the real cause. A token without org:write is why Sentry hides
// the client secret (not the integration's age); a Telegram outage that healed is an ok with a
// note, not a warning for 24 hours.
import { afterEach, describe, expect, it } from 'vitest';
import { checkDeliveries } from '../../src/commands/doctor/store.js';
import type { DeliverySummary, StoreReport } from '../../src/store/report.js';
import { startHealthy, type Healthy } from './harness.js';

let h: Healthy | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function report(summary: DeliverySummary): StoreReport {
  return { path: '/tmp/x.db', lastDeliveredToTopic: () => null, summary: () => summary, close: () => undefined };
}

const T0 = Date.UTC(2026, 0, 5, 10, 0);
const base: DeliverySummary = { parked: 0, lastParked: null, lastDeliveredAt: null, pending: 0, oldestPendingAt: null, retries: 0, lastRetry: null };

describe('doctor: real causes', () => {
  it('a token without org:write is named as the reason the secret cannot be compared', async () => {
    h = await startHealthy('integration');
    const token = `sntryu_${'fakeNoOrgWrite01'.repeat(4)}`;
    h.sentry.addToken(token, ['org:read', 'project:read', 'project:write', 'alerts:write', 'event:read']);
    const { report: r } = await h.doctor(['--sentry-token', token]);
    const check = h.check(r.checks, 'sentry-secret');
    expect(check.status).toBe('warn');
    expect(check.detail).toMatch(/lacks org:write/);
    expect(check.detail).not.toMatch(/no longer shows/);
  });

  it('retries followed by a delivery are ok with a note', () => {
    const r = checkDeliveries(
      report({ ...base, retries: 4, lastRetry: { at: T0, detail: 'Telegram sendMessage did not complete: timeout' }, lastDeliveredAt: T0 + 20_000 }),
      { path: '/tmp/x.db' },
      T0 + 60_000,
    );
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/recovered: 4 attempt\(s\) failed .* delivered since/);
  });

  it('retries with no delivery since stay a warning', () => {
    const r = checkDeliveries(
      report({ ...base, retries: 4, lastRetry: { at: T0, detail: 'timeout' }, lastDeliveredAt: T0 - 60_000 }),
      { path: '/tmp/x.db' },
      T0 + 60_000,
    );
    expect(r.status).toBe('warn');
  });
});

describe('doctor: sentry-tg rules', () => {
  it('two sentry-tg rules sending to the same integration are a warning, not two passes', async () => {
    h = await startHealthy('integration');
    const base = { frequency: 30, actionMatch: 'any' as const, actions: [{ id: 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction', service: h.appSlug! }] };
    await h.api.createRule('acme', 'backend', { ...base, name: 'sentry-tg: new or regressed issues', conditions: [{ id: 'sentry.rules.conditions.regression_event.RegressionEventCondition' }] });
    await h.api.createRule('acme', 'backend', {
      ...base,
      name: 'sentry-tg: new, regressed or frequent issues',
      conditions: [{ id: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition', value: 10, interval: '1m' }],
    });
    const { report: r } = await h.doctor();
    const check = h.check(r.checks, 'sentry-rule');
    expect(check.status).toBe('warn');
    expect(check.detail).toMatch(/^2 sentry-tg rules send to integration/);
  });
});
