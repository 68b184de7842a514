// Tests look at rows directly (counts per state, the schema version); the application never
// does: it goes through the repositories. The layer check forbids importing this file from
// src/ (store.ts registers connections here and is the one exception).
import { storeBehind } from './behind.js';
import type { Db } from './db.js';

const connections = new WeakMap<object, Db>();

export function registerConnection(store: object, db: Db): void {
  connections.set(store, db);
}

/** The SQLite connection behind a store, for assertions in tests. */
export function connectionOf(store: object): Db {
  const db = connections.get(storeBehind(store) ?? store);
  if (!db) throw new Error('not a store opened by openStore');
  return db;
}

