// doctor's `database` and `replicas` checks against the real PostgreSQL: the schema against this
// sentry-tg, the replicas whose heartbeat is fresh and who leads update reading; one replica is a
// warning (no failover), none a failure; an unreachable server names host and database, never
// the password. Without SENTRY_TG_DATABASE_URL the check says SQLite, one replica.
import { afterEach, expect, it } from 'vitest';
import { checkDatabase } from '../../src/commands/doctor/database.js';
import { PG_MIGRATIONS } from '../../src/store/pg/migrations.js';
import { REPLICA_STALE_MS } from '../../src/store/pg/replicas.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type JsonCheck } from './harness.js';
import { describePg, dropSchema, freshSchema, inSchema, replicas, TEST_DATABASE_URL } from '../store/pg/pg-helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** host:port/database as doctor names it (whatever database the run uses). */
function where(raw: string): string {
  const url = new URL(raw);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function urlFor(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-csearch_path=${schema}`);
  return url.toString();
}

describePg('doctor on PostgreSQL', () => {
  it('counts the live replicas, names the leader, warns with one (no failover) and fails with none', async () => {
    const r = await replicas(2);
    cleanup = r.cleanup;
    const [a, b] = r.stores as [NonNullable<(typeof r.stores)[0]>, NonNullable<(typeof r.stores)[0]>];
    const url = urlFor(r.schema);
    await a.heartbeat(a.replicaId, REPLICA_STALE_MS);
    await b.heartbeat(b.replicaId, REPLICA_STALE_MS);
    expect(await a.tryLead(a.replicaId, 60_000)).toBe(true);

    const [db, reps] = await checkDatabase(url, '/unused', 3000);
    expect(db).toMatchObject({ id: 'database', status: 'ok', detail: expect.stringMatching(new RegExp(`^PostgreSQL at ${escapeRe(where(TEST_DATABASE_URL))}: schema ${PG_MIGRATIONS.length}, as this sentry-tg; round trip [0-9.]+ ms$`)) });
    expect(reps).toEqual({ id: 'replicas', title: 'Replicas', status: 'ok', detail: '2 replicas running (replica-1, replica-2); replica-1 reads Telegram updates' });

    // A clean stop leaves; one replica is no failover.
    await b.leave(b.replicaId);
    const one = (await checkDatabase(url, '/unused', 3000))[1]!;
    expect(one).toMatchObject({ status: 'warn', detail: '1 replica running (replica-1); replica-1 reads Telegram updates; no failover: alerts are lost while it restarts' });
    expect(one.fix).toMatch(/second host/);

    // A replica that died stops beating: once its row is stale it is not counted (and is pruned by the next heartbeat of another).
    await inSchema(r.schema, 'UPDATE replicas SET seen_at = seen_at - $1', [REPLICA_STALE_MS + 1000]);
    const none = (await checkDatabase(url, '/unused', 3000))[1]!;
    expect(none).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^no replica is running/) });
    await b.heartbeat(b.replicaId, REPLICA_STALE_MS);
    expect(await inSchema(r.schema, 'SELECT id FROM replicas')).toEqual([{ id: 'replica-2' }]);
  });

  it('`doctor --json` with SENTRY_TG_DATABASE_URL: database and replicas checks, deliveries left to /health', async () => {
    const r = await replicas(2);
    const dir = mkdtempSync(join(tmpdir(), 'sentry-tg-doctor-pg-'));
    cleanup = async () => {
      rmSync(dir, { recursive: true, force: true });
      await r.cleanup();
    };
    for (const s of r.stores) await s.heartbeat(s.replicaId, REPLICA_STALE_MS);
    const { stdout } = await runCli(dir, ['doctor', '--json', '--timeout', '2'], {
      SENTRY_TG_DATABASE_URL: urlFor(r.schema),
      // Nothing else answers: only the database checks matter here.
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      SENTRY_URL: 'http://127.0.0.1:9',
    });
    const checks = (JSON.parse(stdout) as { checks: JsonCheck[] }).checks;
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId.database).toMatchObject({ title: 'Database', status: 'ok' });
    expect(byId.replicas).toMatchObject({ status: 'ok', detail: '2 replicas running (replica-1, replica-2); no replica reads Telegram updates now' });
    expect(byId.deliveries).toMatchObject({ status: 'skip', detail: expect.stringContaining('PostgreSQL') });
    expect(checks.map((c) => c.id).indexOf('database')).toBeLessThan(checks.map((c) => c.id).indexOf('deliveries'));
  }, 30_000);

  it('an empty database: reachable, no tables yet (serve creates them), replicas fail', async () => {
    const schema = freshSchema();
    await inSchema('public', `CREATE SCHEMA "${schema}"`);
    cleanup = () => dropSchema(schema);
    const [db, reps] = await checkDatabase(urlFor(schema), '/unused', 3000);
    expect(db).toMatchObject({ status: 'warn', detail: expect.stringContaining('no sentry-tg tables yet') });
    expect(reps).toMatchObject({ status: 'fail', detail: 'no replica has run on this database yet' });
  });

  it('a newer schema than this sentry-tg knows fails with the fix', async () => {
    const r = await replicas(1);
    cleanup = r.cleanup;
    await inSchema(r.schema, 'INSERT INTO schema_migrations (version) VALUES ($1)', [PG_MIGRATIONS.length + 1]);
    const [db] = await checkDatabase(urlFor(r.schema), '/unused', 3000);
    expect(db).toMatchObject({ status: 'fail', detail: expect.stringContaining('from a newer sentry-tg'), fix: expect.stringContaining('Upgrade') });
  });
});

it('an unreachable server: fails naming host and database and the fix, never the password', async () => {
  const [db, reps] = await checkDatabase('postgres://sentry:not-a-real-pass-xyz@127.0.0.1:9/alerts', '/unused', 2000);
  expect(db).toMatchObject({ id: 'database', status: 'fail', detail: 'Cannot open the PostgreSQL database at 127.0.0.1:9/alerts (connection refused)' });
  expect(db!.fix).toContain('SENTRY_TG_DATABASE_URL');
  expect(JSON.stringify([db, reps])).not.toContain('not-a-real-pass-xyz');
  expect(reps).toMatchObject({ id: 'replicas', status: 'skip' });
});

it('without SENTRY_TG_DATABASE_URL: SQLite, one replica', async () => {
  expect(await checkDatabase(undefined, '/var/lib/sentry-tg', 2000)).toEqual([
    { id: 'database', title: 'Database', status: 'ok', detail: 'SQLite in /var/lib/sentry-tg: one replica (set SENTRY_TG_DATABASE_URL to run two or more on PostgreSQL)' },
  ]);
});
