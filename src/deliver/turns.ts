// Every Telegram call into a chat takes a turn under the pacer: it waits until the chat (and the
// bot) may be called, then records when it started and when it finished. The dispatcher's loop
// only starts a chat when it is ready; this also covers a second call inside one turn (a plain
// text resend, a resend of a deleted message, the old message's buttons).
import type { createPacer } from './pacing.js';
import { TelegramNetworkError } from '../telegram/errors.js';

/** While stopping, a wait up to this long still happens (a press is shown before going). */
const STOP_WAIT_MS = 5000;

/**
 * Replicas sharing a database: before each call, `beforeCall` checks the chat is still this
 * replica's and takes a bot-wide send slot; it throws (LeaseLostError) when the call must not go.
 */
export type SharedGate = (chatId: string, sleep: (ms: number) => Promise<void>, stopping: () => boolean) => Promise<void>;

export function createTurns(opts: {
  pacer: ReturnType<typeof createPacer>;
  now: () => number;
  stopping: () => boolean;
  beforeCall?: SharedGate | null;
}) {
  const { pacer, now } = opts;
  // Calls waiting for their turn; they look again whenever the dispatcher is woken.
  const sleepers = new Set<() => void>();

  function sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  return {
    async paced<T>(chatId: string, call: () => Promise<T>): Promise<T> {
      for (let waitMs = pacer.readyAt(chatId) - now(); waitMs > 0; waitMs = pacer.readyAt(chatId) - now()) {
        if (opts.stopping() && waitMs > STOP_WAIT_MS) throw new TelegramNetworkError('sendMessage', 'the receiver is stopping', false);
        await sleep(Math.min(waitMs, 1000));
      }
      if (opts.beforeCall) await opts.beforeCall(chatId, sleep, opts.stopping);
      pacer.spend(chatId, now());
      try {
        return await call();
      } finally {
        pacer.settled(chatId, now());
      }
    },
    /** The clock may have moved (or a block ended): waiting calls look again. */
    wake(): void {
      for (const sleeper of [...sleepers]) sleeper();
    },
  };
}
