// The failure policy as a pure function: what each Telegram verdict does to the alerts a
// failed call carried, and when button jobs and bot answers are tried again.
import { describe, expect, it } from 'vitest';
import { decideFailure, decideJobRetry, JOB_ATTEMPTS, type FailedRow } from '../../src/deliver/failure-policy.js';
import { DEFAULT_BACKOFF } from '../../src/deliver/pacing.js';

const HOUR_MS = 3_600_000;
const policy = { giveUpAfterMs: 24 * HOUR_MS, backoff: DEFAULT_BACKOFF, random: () => 0.5 };
const AT = 100 * HOUR_MS;
const rows = (receivedAt: number, threadId: number | null = null, attempts = 0): FailedRow[] => [{ receivedAt, attempts, threadId }];

describe('decideFailure', () => {
  it('429: waits as long as Telegram says, the alerts stay pending', () => {
    expect(decideFailure({ kind: 'retry-after', seconds: 17 }, rows(AT), '429', AT, policy)).toEqual({ do: 'wait', seconds: 17 });
  });

  it('a migrated group moves the chat; a deleted message is forgotten', () => {
    expect(decideFailure({ kind: 'migrated', newChatId: -1001 }, rows(AT), 'x', AT, policy)).toEqual({ do: 'migrate', newChatId: -1001 });
    expect(decideFailure({ kind: 'edit-target-gone' }, rows(AT), 'x', AT, policy)).toEqual({ do: 'forget-messages' });
  });

  it('a closed or deleted topic sends to General; without a topic the alert is parked', () => {
    expect(decideFailure({ kind: 'thread-gone', closed: true }, rows(AT, 7), 'x', AT, policy)).toEqual({ do: 'drop-thread', threadId: 7, closed: true });
    expect(decideFailure({ kind: 'thread-gone', closed: false }, rows(AT, null), 'topic deleted', AT, policy)).toEqual({
      do: 'park',
      reason: 'topic deleted',
      gaveUp: false,
    });
  });

  it('transient: retried with backoff until the oldest alert is giveUpAfterMs old, then parked', () => {
    const retry = decideFailure({ kind: 'transient' }, rows(AT - policy.giveUpAfterMs + 1, null, 3), 'ECONNRESET', AT, policy);
    expect(retry.do).toBe('retry');
    expect(retry.do === 'retry' && retry.delayMs).toBeGreaterThan(0);
    expect(decideFailure({ kind: 'transient' }, rows(AT - policy.giveUpAfterMs), 'ECONNRESET', AT, policy)).toEqual({
      do: 'park',
      reason: 'gave up after 24 h of errors: ECONNRESET',
      gaveUp: true,
    });
  });

  it('fatal: parked at once with the reason and the hint', () => {
    expect(
      decideFailure({ kind: 'fatal', reason: '403 Forbidden: bot was kicked', hint: 'Add it back.' }, rows(AT), 'x', AT, policy),
    ).toEqual({ do: 'park', reason: '403 Forbidden: bot was kicked. Add it back.', gaveUp: false });
  });
});

describe('decideJobRetry', () => {
  it('retries 429s at once (the pacer waits) and transient errors after a backoff, a bounded number of times', () => {
    expect(decideJobRetry({ kind: 'retry-after', seconds: 3 }, 0, policy)).toEqual({ delayMs: 0 });
    expect(decideJobRetry({ kind: 'transient' }, 0, policy)?.delayMs).toBeGreaterThan(0);
    expect(decideJobRetry({ kind: 'transient' }, JOB_ATTEMPTS - 1, policy)).toBeNull();
    expect(decideJobRetry({ kind: 'fatal', reason: 'r', hint: 'h' }, 0, policy)).toBeNull();
  });

  it('bot answers are retried only after a 429', () => {
    expect(decideJobRetry({ kind: 'transient' }, 0, { ...policy, rateLimitOnly: true })).toBeNull();
    expect(decideJobRetry({ kind: 'retry-after', seconds: 1 }, 0, { ...policy, rateLimitOnly: true })).toEqual({ delayMs: 0 });
  });
});
