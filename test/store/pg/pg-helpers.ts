// The PostgreSQL the PG tests run against: SENTRY_TG_TEST_DATABASE_URL (default: the local
// server's `test` database). Probed once per file: unreachable → the PG suites are skipped with
// the reason printed, except under CI (or SENTRY_TG_PG_REQUIRED, set by .ci/run), where they fail. Each test gets its own schema, dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { openPgStore, type PgStore } from '../../../src/store/pg/store.js';

export const TEST_DATABASE_URL = process.env.SENTRY_TG_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return `PostgreSQL at ${new URL(TEST_DATABASE_URL).host} is unreachable (${e.code ?? e.message ?? 'unknown error'})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await probe();
const inCi = Boolean(process.env.CI || process.env.SENTRY_TG_PG_REQUIRED);
if (unreachable && !inCi) {
  console.warn(`PostgreSQL tests skipped: ${unreachable}. Set SENTRY_TG_TEST_DATABASE_URL or start the server.`);
}

/** A describe that runs when PostgreSQL answers, is skipped otherwise, and fails in CI. */
export function describePg(name: string, fn: () => void): void {
  if (unreachable && inCi) {
    describe(name, () => {
      it('needs PostgreSQL (CI)', () => {
        throw new Error(`${unreachable}: CI needs it (SENTRY_TG_TEST_DATABASE_URL)`);
      });
    });
    return;
  }
  describe.skipIf(unreachable !== null)(name, fn);
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A schema name nobody else uses; the store creates it. */
export function freshSchema(): string {
  return `sentry_tg_t_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/** Runs SQL inside the schema (for looking at rows the store does not expose). */
export async function inSchema<R extends pg.QueryResultRow>(schema: string, text: string, values?: unknown[]): Promise<R[]> {
  return admin(async (c) => {
    await c.query(`SET search_path TO "${schema}"`);
    return (await c.query<R>(text, values)).rows;
  });
}

/** Opens replicas on one fresh schema; `cleanup` closes them and drops the schema. */
export async function replicas(n: number, schema = freshSchema()) {
  const stores: PgStore[] = [];
  for (let i = 0; i < n; i++) stores.push(await openPgStore({ url: TEST_DATABASE_URL, replicaId: `replica-${i + 1}`, schema }));
  return {
    schema,
    stores,
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
      await dropSchema(schema);
    },
  };
}
