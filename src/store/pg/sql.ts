// The PostgreSQL connection: one pool, numbers as numbers, transactions on one pooled client,
// and connection errors turned into a message a person can act on (never the password).
import pg from 'pg';
import type { QueryResult, QueryResultRow } from 'pg';
import { UserError } from '../../errors.js';

/** What the repositories run SQL on: the pool, or the one client of an open transaction. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  /** Runs `fn` in one transaction; inside a transaction it joins the open one. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

// BIGINT (ids, ms timestamps, COUNT(*)) arrives as a string by default; every value we store
// fits in a double (ms since epoch, Telegram ids), so it is parsed as a number.
const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

export interface PoolOptions {
  url: string;
  /** Schema the tables live in (`search_path`); default: the server's (public). */
  schema?: string;
  max?: number;
  /** Giving up on opening a connection (default 800 ms: a webhook must be answered within Sentry's 1 s). */
  connectTimeoutMs?: number;
  /**
   * Giving up on a query's answer (default 10 s). A connection whose server vanished without a
   * word (a blackholed network) is then dropped from the pool instead of hanging forever.
   */
  queryTimeoutMs?: number;
  /** An idle connection broke (server restart, network): reported here, never thrown. */
  onError?: (err: Error) => void;
}

export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    types,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 800,
    query_timeout: opts.queryTimeoutMs ?? 10_000,
    keepAlive: true,
    ...(opts.schema ? { options: `-c search_path=${quoteIdent(opts.schema)}` } : {}),
  });
  // Without a listener an idle client's error would crash the process.
  pool.on('error', (err) => opts.onError?.(err));
  return pool;
}

export function poolSql(pool: pg.Pool): Sql {
  return {
    query: (text, values) => pool.query(text, values),
    async tx(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // The server or the network may drop the connection while it is checked out: pg emits
      // 'error' on the client then, and without a listener that would end the process. The
      // query in flight fails too, which is what the caller sees.
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const inner = clientSql(client);
        const result = await fn(inner);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
        throw err;
      } finally {
        // A client whose ROLLBACK failed (or that broke) is in an unknown state: the pool discards it.
        client.off('error', onError);
        client.release(broken);
      }
    },
  };
}

function clientSql(client: pg.PoolClient): Sql {
  const sql: Sql = {
    query: (text, values) => client.query(text, values),
    tx: (fn) => fn(sql),
  };
  return sql;
}

/** Deadlock or serialization failure: the transaction did nothing and may run again. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** host:port/database of a URL, for messages: never the user's password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'the configured server';
  }
}

const HINT = 'Check SENTRY_TG_DATABASE_URL and that PostgreSQL is running and accepts connections from this host.';

/** A failure to open the database, worded for a person; the URL's password never appears. */
export function connectionError(err: unknown, url: string): UserError {
  const where = describeUrl(url);
  const e = err as { code?: string; message?: string } | null;
  const code = e?.code ?? '';
  let what: string;
  if (code === 'ECONNREFUSED') what = 'connection refused';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') what = 'host not found';
  else if (code === 'ETIMEDOUT' || /timeout/i.test(e?.message ?? '')) what = 'timed out';
  else if (code === '28P01' || code === '28000') what = 'authentication failed';
  else if (code === '3D000') what = 'database does not exist';
  else if (/^[0-9A-Z]{5}$/.test(code)) what = `server error ${code}`;
  else what = code || 'could not connect';
  return new UserError(`Cannot open the PostgreSQL database at ${where} (${what}).`, HINT);
}
