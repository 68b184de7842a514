// What the receiver's database says about recent deliveries, read through the store's
// read-only report (doctor never creates, migrates or writes the database).
import { checker, messageOf, type CheckResult } from './check.js';
import type { DeliverySummary, StoreReport } from '../../store/report.js';

export { databasePath } from '../../store/store.js';
export { openStoreReport, type StoreReport } from '../../store/report.js';

// Alerts normally leave the outbox within seconds; this long means delivery is stuck.
const STUCK_PENDING_MS = 5 * 60_000;

export function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const RANK = { ok: 0, skip: 0, warn: 1, fail: 2 } as const;

export function checkDeliveries(
  store: StoreReport | null,
  opened: { path: string; error?: unknown },
  now: number,
): CheckResult {
  const c = checker('deliveries', 'Recent deliveries');
  if (opened.error !== undefined) return c.warn(`cannot read ${opened.path}: ${messageOf(opened.error)}`, 'Check SENTRY_TG_DATA_DIR and its permissions');
  if (store === null) return c.skip(`no database at ${opened.path} yet (sentry-tg serve creates it)`);
  let s: DeliverySummary;
  try {
    s = store.summary();
  } catch (err) {
    return c.warn(`cannot read ${opened.path}: ${messageOf(err)}`, 'Is it a sentry-tg database? Check SENTRY_TG_DATA_DIR');
  }

  const found: { status: 'warn' | 'fail'; detail: string; fix: string }[] = [];
  if (s.parked > 0 && s.lastParked) {
    const last = `last at ${when(s.lastParked.at)}: ${s.lastParked.reason}`;
    const recovered = s.lastDeliveredAt !== null && s.lastDeliveredAt > s.lastParked.at;
    found.push(
      recovered
        ? {
            status: 'warn',
            detail: `${s.parked} alert(s) could not be delivered (${last}); deliveries have worked since (${when(s.lastDeliveredAt!)})`,
            fix: 'Nothing to do unless the reason above repeats; the alerts stay in the database for a look',
          }
        : {
            status: 'fail',
            detail: `${s.parked} alert(s) could not be delivered and none has been delivered since (${last})`,
            fix: 'Fix the cause named above, then `sentry-tg test-send` to confirm; this turns ok with the next delivered alert',
          },
    );
  }
  if (s.pending > 0 && s.oldestPendingAt !== null && now - s.oldestPendingAt > STUCK_PENDING_MS) {
    found.push({
      status: 'warn',
      detail: `${s.pending} alert(s) waiting for delivery since ${when(s.oldestPendingAt)}`,
      fix: 'Is `sentry-tg serve` running? It delivers them once Telegram accepts them (see the checks above)',
    });
  }
  // Retries that a later delivery outlived were a blip that healed (a short Telegram outage):
  // worth a note, not 24 hours of yellow.
  const retriesRecovered = s.retries > 0 && s.lastRetry !== null && s.lastDeliveredAt !== null && s.lastDeliveredAt > s.lastRetry.at;
  const note = retriesRecovered
    ? `; recovered: ${s.retries} attempt(s) failed and were retried in the last 24 h (last at ${when(s.lastRetry!.at)}: ${s.lastRetry!.detail ?? 'no detail'}), delivered since`
    : '';
  if (s.retries > 0 && !retriesRecovered) {
    found.push({
      status: 'warn',
      detail: `${s.retries} delivery attempt(s) failed and were retried in the last 24 h (last: ${s.lastRetry?.detail ?? 'no detail'})`,
      fix: 'Usually a network blip; if it keeps happening, check the network and TELEGRAM_API_ROOT',
    });
  }
  if (found.length === 0) {
    return c.ok(
      s.lastDeliveredAt === null
        ? 'no alerts delivered yet, and no failures'
        : `${note ? 'delivering' : 'no failures'}; last delivery ${when(s.lastDeliveredAt)}${note}`,
    );
  }
  found.sort((a, b) => RANK[b.status] - RANK[a.status]);
  const worst = found[0]!;
  const detail = found.map((f) => f.detail).join('; ');
  return worst.status === 'fail' ? c.fail(detail, worst.fix) : c.warn(detail, worst.fix);
}
