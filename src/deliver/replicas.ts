// Replicas sharing one PostgreSQL database (ReplicaCoordination): a chat is served only by the
// replica holding its lease, and every Telegram call first takes a slot from the bot-wide pacing
// kept in the database, so Telegram's limits hold for the bot as a whole, not per replica.
//
// Rows: while this replica holds a chat's lease it reads the chat's rows with pendingFor (the
// lease is the claim: no other replica serves that chat until it expires), so per-chat ordering,
// one message per issue and edits stay as with one process. claimDue is not needed here.
import type { ReplicaCoordination, SendRules } from '../store/async-store.js';
import type { SharedGate } from './turns.js';
import { TelegramNetworkError } from '../telegram/errors.js';

/** The call must not go: the chat is no longer this replica's, or the database did not answer. */
export class NotThisReplicaError extends Error {
  constructor(
    readonly chatId: string,
    reason: string,
    readonly cause?: unknown,
  ) {
    super(`chat ${chatId}: ${reason}`);
  }
}

/** A call waiting this long for a slot while the receiver stops gives up instead. */
const STOP_WAIT_MS = 5000;

/**
 * Renews the chat's lease and takes a send slot, waiting (and renewing) while the bot-wide or
 * per-chat budget is spent. The lease is renewed right before the call, so with a lease longer
 * than a call's timeout (10 s) no other replica takes the chat while a call is in flight.
 * Within a round (`inRound`) the lease is only renewed: if it lapsed, even with nobody else
 * holding it now, the round's plan may be stale. Outside rounds (a press shown while stopping)
 * it is taken if free; `held` learns those chats (released when the dispatcher stops).
 */
export function sharedGate(
  replicas: ReplicaCoordination,
  rules: SendRules,
  leaseMs: number,
  now: () => number,
  held: Set<string>,
  inRound: ReadonlySet<string>,
): SharedGate {
  return async (chatId, sleep, stopping) => {
    let waited = 0;
    for (;;) {
      let slot;
      try {
        const ours = inRound.has(chatId)
          ? await replicas.renewChat(chatId, replicas.replicaId, leaseMs)
          : await replicas.claimChat(chatId, replicas.replicaId, leaseMs);
        if (!ours) throw new NotThisReplicaError(chatId, 'another replica serves it now');
        held.add(chatId);
        slot = await replicas.takeSendSlot(chatId, now(), rules);
      } catch (err) {
        if (err instanceof NotThisReplicaError) throw err;
        throw new NotThisReplicaError(chatId, `the database did not answer: ${(err as Error).message}`, err);
      }
      if (slot.ok) return;
      if (stopping() && waited + slot.waitMs > STOP_WAIT_MS) throw new TelegramNetworkError('sendMessage', 'the receiver is stopping', false);
      const ms = Math.min(Math.max(slot.waitMs, 10), 1000);
      waited += ms;
      await sleep(ms);
    }
  };
}
