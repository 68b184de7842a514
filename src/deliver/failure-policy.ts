// What to do when Telegram refuses or misses a delivery. Pure: from the verdict on the error
// (telegram-verdict.ts) and the alerts involved, decide whether to wait, resend elsewhere,
// retry later or park the alerts for a human. Every accepted alert ends delivered, muted or
// parked with a reason: never retried forever, never dropped.
import { backoffMs, type BackoffConfig } from './pacing.js';
import type { TelegramVerdict } from './telegram-verdict.js';

export interface FailurePolicy {
  /** Transient failures are retried this long (from the oldest alert's arrival), then parked. */
  giveUpAfterMs: number;
  backoff: BackoffConfig;
  random: () => number;
}

/** The alerts a failed call carried, as far as the policy needs them. */
export interface FailedRow {
  receivedAt: number;
  attempts: number;
  threadId: number | null;
}

export type FailureDecision =
  /** 429: the chat waits exactly this long; the alerts stay as they are. */
  | { do: 'wait'; seconds: number }
  /** The group became a supergroup: everything waiting moves there. */
  | { do: 'migrate'; newChatId: number }
  /** The forum topic is closed or deleted: everything waiting for it goes to the General topic. */
  | { do: 'drop-thread'; threadId: number; closed: boolean }
  /** The message to update was deleted: forget it, so a new one is sent. */
  | { do: 'forget-messages' }
  /** Telegram unreachable: try again after `delayMs`. */
  | { do: 'retry'; delayMs: number }
  /** Retrying will not help (or has not, for too long): park with a reason a human can read. */
  | { do: 'park'; reason: string; gaveUp: boolean };

export function decideFailure(verdict: TelegramVerdict, rows: readonly FailedRow[], detail: string, at: number, policy: FailurePolicy): FailureDecision {
  switch (verdict.kind) {
    case 'retry-after':
      return { do: 'wait', seconds: verdict.seconds };
    case 'migrated':
      return { do: 'migrate', newChatId: verdict.newChatId };
    case 'thread-gone': {
      const threadId = rows[0]!.threadId;
      if (threadId === null) break;
      return { do: 'drop-thread', threadId, closed: verdict.closed };
    }
    case 'edit-target-gone':
      return { do: 'forget-messages' };
    case 'transient': {
      const oldest = Math.min(...rows.map((r) => r.receivedAt));
      if (at - oldest < policy.giveUpAfterMs) return { do: 'retry', delayMs: backoffMs(rows[0]!.attempts, policy.backoff, policy.random) };
      return { do: 'park', reason: `gave up after ${Math.round(policy.giveUpAfterMs / 3_600_000)} h of errors: ${detail}`, gaveUp: true };
    }
    default:
      break;
  }
  return { do: 'park', reason: verdict.kind === 'fatal' ? `${verdict.reason}. ${verdict.hint}` : detail, gaveUp: false };
}

/** Changes from button presses and bot answers are tried this many times in all. */
export const JOB_ATTEMPTS = 5;

/**
 * Whether a failed button job (or, with `rateLimitOnly`, a bot answer) is tried again, and
 * after how long. Null: give up (the message shows the change on its next update).
 */
export function decideJobRetry(
  verdict: TelegramVerdict,
  attempts: number,
  policy: Omit<FailurePolicy, 'giveUpAfterMs'> & { rateLimitOnly?: boolean },
): { delayMs: number } | null {
  const retryable = verdict.kind === 'retry-after' || (verdict.kind === 'transient' && !policy.rateLimitOnly);
  if (!retryable || attempts + 1 >= JOB_ATTEMPTS) return null;
  return { delayMs: verdict.kind === 'transient' ? backoffMs(attempts, policy.backoff, policy.random) : 0 };
}
