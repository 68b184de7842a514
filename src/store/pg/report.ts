// What doctor reads of a shared PostgreSQL database: reachable or not, how quickly, the schema
// version against this sentry-tg's, the replicas that ran lately and who leads update reading.
// Read-only: one short-lived connection, nothing created, migrated or written.
import pg from 'pg';
import { PG_MIGRATIONS } from './migrations.js';
import { REPLICA_STALE_MS, UPDATES_LEASE } from './replicas.js';
import { UserError } from '../../errors.js';
import { connectionError } from './sql.js';

export interface PgReport {
  /** Round trip of one `SELECT 1`, ms. */
  rttMs: number;
  /** The database's schema (0: no sentry-tg tables yet) and the one this sentry-tg knows. */
  schemaVersion: number;
  knownVersion: number;
  /** Replicas whose heartbeat is fresh (seen within REPLICA_STALE_MS), oldest first; null before schema 4. */
  live: { id: string; startedAt: number; seenAt: number }[] | null;
  /** The replica holding the update-reading lease now, or null. */
  leader: string | null;
  /** The database clock (ms since epoch). */
  now: number;
}

/** Reads the report; a connection failure is a UserError naming host/database and the fix (never the password). */
export async function readPgReport(url: string, timeoutMs: number): Promise<PgReport> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (err) {
      throw connectionError(err, url);
    }
    const started = performance.now();
    await client.query('SELECT 1');
    const rttMs = performance.now() - started;
    const has = async (table: string) =>
      (await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t != null;
    const schemaVersion = (await has('schema_migrations'))
      ? Number((await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0)
      : 0;
    const now = Number((await client.query<{ now: string }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`)).rows[0]!.now);
    const live = (await has('replicas'))
      ? (
          await client.query<{ id: string; startedAt: string; seenAt: string }>(
            `SELECT id, started_at AS "startedAt", seen_at AS "seenAt" FROM replicas WHERE seen_at >= $1 ORDER BY started_at, id`,
            [now - REPLICA_STALE_MS],
          )
        ).rows.map((r) => ({ id: r.id, startedAt: Number(r.startedAt), seenAt: Number(r.seenAt) }))
      : null;
    const leader = (await has('leases'))
      ? ((await client.query<{ holder: string }>('SELECT holder FROM leases WHERE name = $1 AND expires_at >= $2', [UPDATES_LEASE, now])).rows[0]
          ?.holder ?? null)
      : null;
    return { rttMs, schemaVersion, knownVersion: PG_MIGRATIONS.length, live, leader, now };
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw connectionError(err, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}
