// Where the receiver keeps its alerts: the SQLite file in the data directory (one replica), or
// the PostgreSQL database replicas share when SENTRY_TG_DATABASE_URL is set. Both are handed on
// as the one promise-based AsyncStore.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import { registerSecret } from '../log/redact.js';
import { asyncStore, type AsyncStore, type ReplicaCoordination } from '../store/async-store.js';
import type { Settings } from '../config/options.js';
import type { Logger } from '../log/logger.js';
import { openStore, type FdatasyncFn, type FsyncMode } from '../store/store.js';

export interface StoreChoice {
  settings: Pick<Settings, 'databaseUrl' | 'replicaId' | 'fsync'>;
  logger: Logger;
  fsync?: FsyncMode | undefined;
  fdatasync?: FdatasyncFn | undefined;
}

/** A name for this process in leases: host, pid and a random part (pids repeat across containers). */
export function defaultReplicaId(): string {
  return `${hostname().replace(/[^\w.-]/g, '') || 'host'}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The SQLite file in the data directory, or the shared PostgreSQL database when a URL is set. */
export async function openReceiverStore(
  opts: StoreChoice,
  dataDir: string,
): Promise<{ store: AsyncStore; replicas: ReplicaCoordination | null; where: string }> {
  const { settings, logger } = opts;
  if (settings.databaseUrl) {
    const password = (() => {
      try {
        return decodeURIComponent(new URL(settings.databaseUrl).password);
      } catch {
        return '';
      }
    })();
    if (password) registerSecret(password);
    // The PostgreSQL client loads only when a database URL is set: a SQLite receiver never pays for it.
    const [{ openPgStore }, { describeUrl }] = await Promise.all([import('../store/pg/store.js'), import('../store/pg/sql.js')]);
    const pg = await openPgStore({
      url: settings.databaseUrl,
      replicaId: settings.replicaId ?? defaultReplicaId(),
      onError: (err) => logger.warn({ err: err.message }, 'a database connection broke: it is opened again when needed'),
    });
    return { store: pg, replicas: pg, where: describeUrl(settings.databaseUrl) };
  }
  try {
    const sqlite = openStore({ dataDir, fsync: opts.fsync ?? settings.fsync, ...(opts.fdatasync ? { fdatasync: opts.fdatasync } : {}) });
    return { store: asyncStore(sqlite), replicas: null, where: dataDir };
  } catch (err) {
    throw new UserError(`Cannot open the database in ${dataDir}: ${(err as Error).message}`, 'Check SENTRY_TG_DATA_DIR and its permissions.');
  }
}
