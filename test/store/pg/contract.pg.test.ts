// The store contract on PostgreSQL: the same suite as SQLite, each test in a fresh schema.
import { openPgStore } from '../../../src/store/pg/store.js';
import { storeContract } from '../contract.js';
import { describePg, dropSchema, freshSchema, TEST_DATABASE_URL } from './pg-helpers.js';

describePg('store contract: PostgreSQL', () => {
  storeContract(async () => {
    const schema = freshSchema();
    const store = await openPgStore({ url: TEST_DATABASE_URL, replicaId: 'contract', schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });
});
