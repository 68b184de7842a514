// A SQLite transaction that stays open across awaits, for the async adapter (async-store.ts):
// better-sqlite3's own `transaction()` refuses functions that return promises. Only the
// adapter uses it, while it holds every other caller back.
import type { Db } from './db.js';

export interface ManualTx {
  begin(): void;
  commit(): void;
  rollback(): void;
}

const handles = new WeakMap<object, ManualTx>();

export function registerSqliteTx(store: object, db: Db): void {
  handles.set(store, {
    begin: () => db.exec('BEGIN IMMEDIATE'),
    commit: () => db.exec('COMMIT'),
    rollback: () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
  });
}

export function sqliteTxOf(store: object): ManualTx {
  const tx = handles.get(store);
  if (!tx) throw new Error('not a store opened by openStore');
  return tx;
}
