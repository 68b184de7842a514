// Durability without blocking: fdatasync of the write-ahead log in libuv's thread pool, so the
// event loop keeps answering while the disk works (see FsyncMode in store.ts).
import { closeSync, openSync } from 'node:fs';

export type FdatasyncFn = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;

/** fdatasync of the WAL file, coalesced: at most one in flight and one queued behind it. */
export function createWalSync(path: string | null, sync: FdatasyncFn) {
  let fd: number | null = null;
  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;

  const syncOnce = (): Promise<void> =>
    new Promise((resolve, reject) => {
      // The log exists from the first commit (the migrations) until the database is closed.
      fd ??= openSync(path!, 'r+');
      sync(fd, (err) => (err ? reject(err) : resolve()));
    });

  function durable(): Promise<void> {
    if (path === null) return Promise.resolve();
    if (!inFlight) {
      inFlight = syncOnce().finally(() => {
        inFlight = null;
      });
      return inFlight;
    }
    // A sync already running may have started before the caller's commit: wait for the next.
    queued ??= inFlight.then(
      () => {
        queued = null;
        return durable();
      },
      () => {
        queued = null;
        return durable();
      },
    );
    return queued;
  }

  return {
    durable,
    close(): void {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
