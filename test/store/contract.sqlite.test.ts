// The store contract on SQLite, through the async adapter.
import { describe } from 'vitest';
import { asyncStore } from '../../src/store/async-store.js';
import { openStore } from '../../src/store/store.js';
import { storeContract } from './contract.js';

describe('store contract: SQLite (asyncStore)', () => {
  storeContract(async () => {
    const store = asyncStore(openStore({ dataDir: '', filename: ':memory:' }));
    return { store, cleanup: () => store.close() };
  });
});
