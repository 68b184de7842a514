// Where the receiver keeps its alerts. SQLite: one replica, nothing to check here (the
// deliveries check reads the file). PostgreSQL (SENTRY_TG_DATABASE_URL): the connection, the
// schema against this sentry-tg, the round trip, and how many replicas run (failover needs two).
import { checker, messageOf, type CheckResult } from './check.js';
import type { PgReport } from '../../store/pg/report.js';
import { REPLICA_STALE_MS } from '../../store/pg/replicas.js';

const SLOW_RTT_MS = 100;

export async function checkDatabase(
  databaseUrl: string | undefined,
  dataDir: string,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const db = checker('database', 'Database');
  if (!databaseUrl) {
    return [db.ok(`SQLite in ${dataDir}: one replica (set SENTRY_TG_DATABASE_URL to run two or more on PostgreSQL)`)];
  }
  // The PostgreSQL client loads only when a database URL is set.
  const [{ describeUrl }, { readPgReport }] = await Promise.all([import('../../store/pg/sql.js'), import('../../store/pg/report.js')]);
  const where = `PostgreSQL at ${describeUrl(databaseUrl)}`;
  let report: PgReport;
  try {
    report = await readPgReport(databaseUrl, timeoutMs);
  } catch (err) {
    const hint = (err as { hint?: string }).hint;
    return [
      db.fail(messageOf(err), hint ?? 'Check SENTRY_TG_DATABASE_URL and that PostgreSQL is running and accepts connections from this host'),
      checker('replicas', 'Replicas').skip('the database cannot be read'),
    ];
  }
  const rtt = `round trip ${report.rttMs.toFixed(1)} ms`;
  const results: CheckResult[] = [];
  if (report.schemaVersion > report.knownVersion) {
    results.push(
      db.fail(
        `${where}: schema ${report.schemaVersion} is from a newer sentry-tg (this one knows ${report.knownVersion}); ${rtt}`,
        'Upgrade sentry-tg on this host to the version the replicas run',
      ),
    );
  } else if (report.schemaVersion === 0) {
    results.push(db.warn(`${where}: reachable (${rtt}), no sentry-tg tables yet`, '`sentry-tg serve` creates them at its first start'));
  } else if (report.schemaVersion < report.knownVersion) {
    results.push(
      db.warn(
        `${where}: schema ${report.schemaVersion}, this sentry-tg's is ${report.knownVersion}; ${rtt}`,
        'The replicas run an older sentry-tg: upgrading one updates the schema at its start',
      ),
    );
  } else if (report.rttMs > SLOW_RTT_MS) {
    results.push(
      db.warn(
        `${where}: schema ${report.schemaVersion}; ${rtt}, slow: webhooks are answered only after the commit`,
        'Run PostgreSQL close to the replicas (same network or region)',
      ),
    );
  } else {
    results.push(db.ok(`${where}: schema ${report.schemaVersion}, as this sentry-tg; ${rtt}`));
  }
  results.push(checkReplicas(report));
  return results;
}

export function checkReplicas(report: Pick<PgReport, 'live' | 'leader'>): CheckResult {
  const c = checker('replicas', 'Replicas');
  const start = 'Start `sentry-tg serve` with the same SENTRY_TG_DATABASE_URL on a second host';
  if (report.live === null) return c.fail('no replica has run on this database yet', start.replace('on a second host', ''));
  const seconds = Math.round(REPLICA_STALE_MS / 1000);
  if (report.live.length === 0) {
    return c.fail(`no replica is running (none seen in the last ${seconds} s): alerts are not received`, `${start.replace(' on a second host', '')}; check its log`);
  }
  const ids = report.live.map((r) => r.id).join(', ');
  const lead = report.leader ? `${report.leader} reads Telegram updates` : 'no replica reads Telegram updates now';
  if (report.live.length === 1) {
    return c.warn(`1 replica running (${ids}); ${lead}; no failover: alerts are lost while it restarts`, start);
  }
  return c.ok(`${report.live.length} replicas running (${ids}); ${lead}`);
}
