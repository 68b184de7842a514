// Opening the database: where it lives, the pragmas every connection needs, the migrations,
// and the one way to group writes into a transaction.
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

const DB_FILE = 'sentry-tg.db';

/** Where the database of a data directory lives (relative directories resolve against `cwd`). */
export function databasePath(dataDir: string, cwd: string = process.cwd()): string {
  return join(isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir), DB_FILE);
}

/** Opens (creating the directory if needed) and migrates; `:memory:` for tests. */
export function openDatabase(dataDir: string, filename?: string): { db: Db; filename: string } {
  if (!filename) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    filename = databasePath(dataDir);
  }
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  // SQLite itself does not fsync on commit (NORMAL in WAL mode still fsyncs around
  // checkpoints); `durable()` fsyncs the log off the event loop instead. See FsyncMode.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // The unique keys (Request-ID, event) are random, so each insert touches its own index page;
  // a cache that holds both indexes of a large outbox keeps that a memory access (default: 2 MiB).
  db.pragma('cache_size = -16384');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return { db, filename };
}

/** The schema version this sentry-tg writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the database is from a newer sentry-tg (schema ${current}, this version knows ${MIGRATIONS.length}): upgrade sentry-tg`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * Wraps `fn` so each call runs in one transaction (nested calls join the outer one). The
 * repositories use it for their multi-statement writes; callers for writes that span tables.
 */
export function transactional<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A) => tx(...args);
}
