// The store as promises: the one interface both backends offer (SQLite through `asyncStore`,
// PostgreSQL through pg/store.ts), so one contract suite runs against both and callers can move
// to it one at a time. Derived from the SQLite Store: the same names, arguments and results.
import type { Store } from './store.js';
import { noteBehind } from './behind.js';
import { sqliteTxOf } from './sqlite-tx.js';

type Promised<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export interface AsyncStore extends Promised<Omit<Store, 'transaction' | 'durable' | 'close'>> {
  /**
   * Runs `fn` in one transaction: every write made through `tx` commits together or not at all.
   * Calls on `tx` inside a method that opens its own transaction join this one.
   */
  transaction<T>(fn: (tx: AsyncStore) => Promise<T>): Promise<T>;
  /** Resolves once every commit made before the call survives a power cut. */
  durable(): Promise<void>;
  close(): Promise<void>;
}

/** A waiting row handed to one replica until `claimUntil` (claimDue). */
export interface ClaimedRow {
  id: number;
  receivedAt: number;
  resource: string;
  action: string;
  chatId: string;
  threadId: number | null;
  groupKey: string | null;
  attempts: number;
  nextAttemptAt: number;
  /** ms since epoch on the database clock. */
  claimUntil: number;
}

/**
 * Telegram's limits for the bot as a whole (the same names and values as deliver/pacing.ts's
 * PacingConfig, so the dispatcher passes DEFAULT_PACING). Every number is about calls *started*:
 * - `privateGapMs`: at least this long between two calls to one chat (any chat; 1000 = 1/s);
 * - `groupPerMinute`: at most this many calls in any 60 s to one group, supergroup or channel
 *   (ids starting with `-` or `@`);
 * - `globalPerSecond`: at most this many calls in any 1 s for the whole bot.
 */
export interface SendRules {
  privateGapMs: number;
  groupPerMinute: number;
  globalPerSecond: number;
}

/** `ok`: the call may start now and was recorded; otherwise ask again in `waitMs`. */
export type SendSlot = { ok: true; waitMs: 0 } | { ok: false; waitMs: number };

/**
 * What replicas sharing one database agree through it. Leases are rows with an expiry on the
 * database clock: a replica that dies stops renewing, and another takes over after `leaseMs`.
 */
export interface ReplicaCoordination {
  readonly replicaId: string;
  /** Takes (or renews) the chat for this replica; false while another replica's lease runs. */
  claimChat(chatId: string, replicaId: string, leaseMs: number): Promise<boolean>;
  /** Extends this replica's lease; false when the chat is no longer this replica's. */
  renewChat(chatId: string, replicaId: string, leaseMs: number): Promise<boolean>;
  releaseChat(chatId: string, replicaId: string): Promise<void>;
  /**
   * Hands out up to `limit` due pending rows, none of them claimed by a live replica nor in a
   * chat leased to another one; each stays this replica's for `leaseMs` (finish, retryLater and
   * park end the claim). Two replicas never get the same row while its claim runs.
   */
  claimDue(replicaId: string, limit: number, leaseMs: number): Promise<ClaimedRow[]>;
  /** Decides, for all replicas at once, whether a call to the chat may start at `now`. */
  takeSendSlot(chatId: string, now: number, rules: SendRules): Promise<SendSlot>;
  /** Leads update reading (true) or not; a leader calls it again well within `leaseMs`. */
  tryLead(replicaId: string, leaseMs: number): Promise<boolean>;
  /** Gives up the lead at once (a clean stop), so another replica takes over without waiting for the lease. */
  releaseLead(replicaId: string): Promise<void>;
  /**
   * Records that this replica runs (doctor counts the live ones), and removes replicas not seen
   * for `staleMs`. Called every few seconds while the replica runs.
   */
  heartbeat(replicaId: string, staleMs: number): Promise<void>;
  /** Removes this replica from the live ones (a clean stop). */
  leave(replicaId: string): Promise<void>;
  /** The shared getUpdates offset (null before the first save). */
  updateOffset(): Promise<number | null>;
  /**
   * Saves the offset, never moving it back. With `replicaId`, only while that replica leads
   * (a deposed leader's late save is refused); returns whether it was saved.
   */
  saveUpdateOffset(offset: number, replicaId?: string): Promise<boolean>;
}

const wrappers = new WeakMap<Store, AsyncStore>();

/**
 * The SQLite store as promises. The connection is one, so a transaction that awaits holds it:
 * calls from outside the transaction wait until it ends, calls through `tx` run inside it.
 * One wrapper per store (the same one on every call), so every caller shares that gate.
 */
export function asyncStore(store: Store): AsyncStore {
  let wrapped = wrappers.get(store);
  if (!wrapped) {
    wrapped = wrapSqlite(store);
    wrappers.set(store, wrapped);
    noteBehind(wrapped, store);
  }
  return wrapped;
}

function wrapSqlite(store: Store): AsyncStore {
  let gate: Promise<void> = Promise.resolve();

  function wrap(direct: boolean): AsyncStore {
    const methods: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(store)) {
      if (typeof value !== 'function' || name === 'transaction' || name === 'durable' || name === 'close') continue;
      const fn = value as (...args: unknown[]) => unknown;
      methods[name] = direct
        ? async (...args: unknown[]) => fn(...args)
        : async (...args: unknown[]) => {
            await gate;
            return fn(...args);
          };
    }
    const self = {
      ...methods,
      async transaction<T>(fn: (tx: AsyncStore) => Promise<T>): Promise<T> {
        if (direct) return fn(self);
        const before = gate;
        let open!: () => void;
        gate = new Promise<void>((r) => (open = r));
        await before;
        const tx = sqliteTxOf(store);
        tx.begin();
        try {
          const result = await fn(wrap(true));
          tx.commit();
          return result;
        } catch (err) {
          tx.rollback();
          throw err;
        } finally {
          open();
        }
      },
      async durable(): Promise<void> {
        await gate;
        return store.durable();
      },
      async close(): Promise<void> {
        await gate;
        store.close();
      },
    } as AsyncStore;
    return self;
  }
  return wrap(false);
}
