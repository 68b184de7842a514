// Whether the last attempt to store a webhook reached the disk. A failed commit or fsync makes
// the receiver answer 503 and /health say why; the next write that succeeds clears it, so the
// receiver recovers by itself when the disk does.

export interface StorageFailure {
  at: number;
  /** What went wrong, in words, e.g. "the disk is full (SQLITE_FULL)". */
  reason: string;
}

export type StorageStatus = ReturnType<typeof createStorageStatus>;

/** Plain words for the errors SQLite and the file system raise when the disk lets us down. */
export function describeStorageError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return `the disk is full (${code})`;
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return `the database is read-only (${code})`;
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return `the disk reported an I/O error (${code})`;
  // PostgreSQL (SENTRY_TG_DATABASE_URL): the server or the network to it.
  if (code === 'ETIMEDOUT' && message.startsWith('the database did not confirm')) return `the database server did not answer in time (${message})`;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `the database server cannot be reached (${code})`;
  }
  if (code === '57P01' || code === '57P02' || code === '57P03') return `the database server is shutting down or starting (${code})`;
  if (/connection terminated|connection timeout|timeout exceeded when trying to connect|query read timeout/i.test(message)) return `the database server cannot be reached (${message})`;
  return code ? `${message} (${code})` : message;
}

export function createStorageStatus() {
  let failure: StorageFailure | null = null;
  return {
    failed(at: number, err: unknown): void {
      failure = { at, reason: describeStorageError(err) };
    },
    ok(): void {
      failure = null;
    },
    /** The current failure, or null while writes reach the disk. */
    failure(): StorageFailure | null {
      return failure;
    },
  };
}

/**
 * While storing fails, tries a tiny write every `intervalMs`, so /health turns healthy again as
 * soon as the disk does, without waiting for the next webhook.
 */
export function startStorageProbe(
  store: { kvSet(key: string, value: string): Promise<void>; durable(): Promise<void> },
  status: StorageStatus,
  now: () => number,
  intervalMs = 2_000,
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running || status.failure() === null) return;
    running = true;
    (async () => {
      await store.kvSet('storage_probe_at', String(now()));
      await store.durable();
    })().then(
      () => status.ok(),
      (err: unknown) => status.failed(now(), err),
    ).finally(() => {
      running = false;
    });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
