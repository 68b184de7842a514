// What the receiver's database says about recent deliveries, read through the store's
// read-only report (doctor never creates, migrates or writes the database).
import { cliText } from '../../i18n/cli.js';
import type { Locale } from '../../i18n/locale.js';
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
  locale: Locale = 'en',
): CheckResult {
  const c = checker('deliveries', 'Recent deliveries');
  const t = cliText(locale);
  if (opened.error !== undefined) return c.warn(t('doctor.dl.cannotRead', { path: opened.path, error: messageOf(opened.error) }), t('doctor.dl.cannotReadFix'));
  if (store === null) return c.skip(t('doctor.dl.noDb', { path: opened.path }));
  let s: DeliverySummary;
  try {
    s = store.summary();
  } catch (err) {
    return c.warn(t('doctor.dl.cannotRead', { path: opened.path, error: messageOf(err) }), t('doctor.dl.notOursFix'));
  }

  const found: { status: 'warn' | 'fail'; detail: string; fix: string }[] = [];
  if (s.parked > 0 && s.lastParked) {
    const last = t('doctor.dl.lastParked', { when: when(s.lastParked.at), reason: s.lastParked.reason });
    const recovered = s.lastDeliveredAt !== null && s.lastDeliveredAt > s.lastParked.at;
    found.push(
      recovered
        ? {
            status: 'warn',
            detail: t('doctor.dl.parkedRecovered', { n: s.parked, last, when: when(s.lastDeliveredAt!) }),
            fix: t('doctor.dl.parkedRecoveredFix'),
          }
        : {
            status: 'fail',
            detail: t('doctor.dl.parked', { n: s.parked, last }),
            fix: t('doctor.dl.parkedFix'),
          },
    );
  }
  if (s.pending > 0 && s.oldestPendingAt !== null && now - s.oldestPendingAt > STUCK_PENDING_MS) {
    found.push({
      status: 'warn',
      detail: t('doctor.dl.pending', { n: s.pending, when: when(s.oldestPendingAt) }),
      fix: t('doctor.dl.pendingFix'),
    });
  }
  // Retries that a later delivery outlived were a blip that healed (a short Telegram outage):
  // worth a note, not 24 hours of yellow.
  const retriesRecovered = s.retries > 0 && s.lastRetry !== null && s.lastDeliveredAt !== null && s.lastDeliveredAt > s.lastRetry.at;
  const note = retriesRecovered
    ? t('doctor.dl.recoveredNote', { n: s.retries, when: when(s.lastRetry!.at), detail: s.lastRetry!.detail ?? t('doctor.dl.noDetail') })
    : '';
  if (s.retries > 0 && !retriesRecovered) {
    found.push({
      status: 'warn',
      detail: t('doctor.dl.retries', { n: s.retries, detail: s.lastRetry?.detail ?? t('doctor.dl.noDetail') }),
      fix: t('doctor.dl.retriesFix'),
    });
  }
  if (found.length === 0) {
    return c.ok(
      s.lastDeliveredAt === null
        ? t('doctor.dl.none')
        : t('doctor.dl.ok', { state: note ? t('doctor.dl.delivering') : t('doctor.dl.noFailures'), when: when(s.lastDeliveredAt), note }),
    );
  }
  found.sort((a, b) => RANK[b.status] - RANK[a.status]);
  const worst = found[0]!;
  const detail = found.map((f) => f.detail).join('; ');
  return worst.status === 'fail' ? c.fail(detail, worst.fix) : c.warn(detail, worst.fix);
}
