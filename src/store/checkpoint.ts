// Checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses the threshold, on the thread that commits: it copies the log into the database and
// fsyncs the database file, stalling every request behind it (the p99 of a paced load). Here a
// worker thread with its own connection checkpoints (PASSIVE: never blocks the writer) every
// `intervalMs`; the writer's own automatic checkpoint stays as a backstop at a much larger
// threshold, so the log stays bounded even if the worker falls behind.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './db.js';

// How long close() waits for the worker to close its connection (it is at most mid-checkpoint).
const CLOSE_WAIT_MS = 5_000;

// The writer checkpoints itself only when the worker has fallen this far behind (pages of 4 KiB).
const BACKSTOP_PAGES = 16_384;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const run = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // Busy or a failing disk: the writer's own checkpoint is the backstop; say so once per failure.
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

export interface Checkpointer {
  close(): void;
}

export function startCheckpointer(db: Db, filename: string, intervalMs: number, onError: (message: string) => void): Checkpointer {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  // Set by the worker once its connection is closed: close() waits for it, so that the writer's
  // connection is the last one (it removes the log) and the files are quiet when close() returns.
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, filename, intervalMs, closed } });
  worker.unref();
  worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
  worker.on('error', (err) => onError(err.message));
  return {
    close(): void {
      worker.postMessage('close');
      Atomics.wait(closed, 0, 0, CLOSE_WAIT_MS);
    },
  };
}
