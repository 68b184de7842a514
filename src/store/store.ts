// The receiver's database: the only code that speaks SQL is under src/store/, one repository
// per table (or closely related pair). openStore opens and migrates the database and joins the
// repositories into one Store; writes that span tables go through `transaction()`.
import { fdatasync } from 'node:fs';
import { callbacksRepository } from './callbacks.js';
import { chatsRepository } from './chats.js';
import { openDatabase, transactional } from './db.js';
import { messagesRepository, type MessageRow } from './messages.js';
import { mutesRepository } from './mutes.js';
import { outboxRepository } from './outbox.js';
import { registerSqliteTx } from './sqlite-tx.js';
import { registerConnection } from './testing.js';
import { createWalSync, type FdatasyncFn } from './wal-sync.js';

export type { CallbackRow } from './callbacks.js';
export { databasePath } from './db.js';
export type { MessageRow } from './messages.js';
export type { MuteRow, NewMute } from './mutes.js';
export type { NewAlertRow, PendingRow, StoreStats } from './outbox.js';
export type { FdatasyncFn } from './wal-sync.js';

/**
 * `full`: the write-ahead log is fsynced before a webhook is answered (`durable()`), so an
 * accepted alert survives a power cut. `normal`: survives a killed process, but a power cut
 * may lose the last commits.
 */
export type FsyncMode = 'full' | 'normal';

export interface StoreOptions {
  dataDir: string;
  fsync?: FsyncMode;
  /** `:memory:` for tests that do not care about files. */
  filename?: string;
  /** The fsync of the write-ahead log (node:fs fdatasync); tests hold or fail it. */
  fdatasync?: FdatasyncFn;
}

export type Store = ReturnType<typeof openStore>;

export function openStore(opts: StoreOptions) {
  const { db, filename } = openDatabase(opts.dataDir, opts.filename);
  const outbox = outboxRepository(db);
  const messages = messagesRepository(db);
  const callbacks = callbacksRepository(db);
  const mutes = mutesRepository(db);
  const chats = chatsRepository(db);
  const wal = createWalSync(filename === ':memory:' || opts.fsync === 'normal' ? null : `${filename}-wal`, opts.fdatasync ?? fdatasync);
  const { moveChat: _moveChat, prune: pruneOutbox, ...outboxApi } = outbox;
  const { prune: pruneMessages, ...messagesApi } = messages;
  const { prune: pruneCallbacks, moveCallbacks: _moveCallbacks, ...callbacksApi } = callbacks;
  const { prune: pruneMutes, ...mutesApi } = mutes;
  const { saveMigration: _saveMigration, ...chatsApi } = chats;

  const store = {
    ...outboxApi,
    ...messagesApi,
    ...callbacksApi,
    ...mutesApi,
    ...chatsApi,
    /**
     * Runs `fn` in one transaction: all its writes commit together or not at all (and share
     * one fsync). Use it when one step writes to several repositories.
     */
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    /**
     * Resolves once every commit made before the call is on disk. Runs fdatasync on the WAL in
     * libuv's thread pool, so the event loop keeps answering while the disk works; calls that
     * arrive during one sync share the next (group commit).
     */
    durable: wal.durable,
    /** The chat became a supergroup: remember it and move everything still waiting. */
    migrateChat: transactional(db, (from: string, to: string, now: number) => {
      chats.saveMigration(from, to, now);
      outbox.moveChat(from, to);
    }),
    /** The message was deleted and sent anew: the new one takes its place, state and buttons. */
    replaceMessage: transactional(db, (old: { chatId: string; messageId: number }, next: MessageRow) => {
      messages.forgetMessage(old.chatId, old.messageId);
      messages.saveMessage(next);
      callbacks.moveCallbacks(old.chatId, old.messageId, next.messageId);
    }),
    /** Deletes delivered rows and old bookkeeping; parked and pending rows are kept for a human. */
    prune: transactional(db, (olderThan: number): number => {
      const deleted = pruneOutbox(olderThan);
      pruneMessages(olderThan);
      pruneCallbacks();
      pruneMutes(olderThan);
      return deleted;
    }),
    close(): void {
      wal.close();
      db.close();
    },
  };
  registerConnection(store, db);
  registerSqliteTx(store, db);
  return store;
}
