// The store on PostgreSQL, for two or more replicas sharing one database: the same methods as
// the SQLite store (as promises, AsyncStore) plus what replicas agree through the database
// (ReplicaCoordination). `serve` opens it when SENTRY_TG_DATABASE_URL is set (pipeline/receiver.ts).
//
// Durability: every method's transaction has committed when its promise resolves, with the
// server's default synchronous_commit = on (never turned off here), so an accepted alert is on
// the server's disk (and its synchronous standbys') before the webhook is answered; `durable()`
// has nothing left to wait for.
import type pg from 'pg';
import type { AsyncStore, ReplicaCoordination } from '../async-store.js';
import { UserError } from '../../errors.js';
import { migrate } from './migrations.js';
import { pgCoordination } from './replicas.js';
import { pgRepositories } from './repositories.js';
import { connectionError, createPool, poolSql, type Sql } from './sql.js';

export interface PgStoreOptions {
  /** postgres://user:password@host:port/database (SENTRY_TG_DATABASE_URL). */
  url: string;
  /** This replica's name in leases and claims: unique per running process (e.g. host:pid). */
  replicaId: string;
  /** Schema for the tables (created if missing); default: the server's search_path (public). */
  schema?: string;
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /** See PoolOptions: opening a connection (default 800 ms) and a query's answer (default 10 s). */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** A pooled connection broke while idle (server restart): reported, never thrown. */
  onError?: (err: Error) => void;
}

export type PgStore = AsyncStore & ReplicaCoordination & { readonly schemaVersion: number };

function storeOn(sql: Sql): AsyncStore {
  const self: AsyncStore = {
    ...pgRepositories(sql),
    transaction: (fn) => sql.tx((tx) => fn(tx === sql ? self : storeOn(tx))),
    durable: async () => {},
    close: async () => {
      throw new Error('close() inside a transaction: close the store it came from');
    },
  };
  return self;
}

// Failures before the first query answered (refused, DNS, auth, missing database): a person fixes them.
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '28P01', '28000', '3D000']);

/** Connects, migrates (under an advisory lock) and returns the store; a clear UserError when the server cannot be used. */
export async function openPgStore(opts: PgStoreOptions): Promise<PgStore> {
  if (!opts.replicaId) throw new UserError('A replica id is needed to share the database.', 'Give each replica its own id.');
  let pool: pg.Pool;
  try {
    pool = createPool({
      url: opts.url,
      schema: opts.schema,
      max: opts.maxConnections,
      onError: opts.onError,
      connectTimeoutMs: opts.connectTimeoutMs,
      queryTimeoutMs: opts.queryTimeoutMs,
    });
  } catch (err) {
    throw connectionError(err, opts.url);
  }
  const sql = poolSql(pool);
  let schemaVersion: number;
  try {
    await sql.query('SELECT 1');
    await migrate(sql, opts.schema);
    schemaVersion = (await sql.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]!.v;
  } catch (err) {
    await pool.end().catch(() => undefined);
    const code = (err as { code?: string } | null)?.code ?? '';
    if (CONNECTION_CODES.has(code) || /timeout|terminated/i.test((err as Error)?.message ?? '')) throw connectionError(err, opts.url);
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    ...storeOn(sql),
    ...pgCoordination(sql, opts.replicaId),
    schemaVersion,
    close: () => (closed ??= pool.end()),
  };
}
