// Flood control for the fake Bot API. Telegram does not publish its limits; these are the
// commonly observed ones, configurable because tests need both "hit it quickly" and "never".
// Pure over an injected time: `take()` is given `nowMs`, so tests may drive it with any clock.

export interface RateLimits {
  /** Sustained messages per second into one chat (a token bucket). */
  perChatPerSecond: number;
  /** Bucket size: how many messages one chat accepts back to back. */
  perChatBurst: number;
  /** Messages per sliding minute into one group, supergroup or channel. Private chats are exempt. */
  perGroupPerMinute: number;
  /** Messages per sliding second across all chats. */
  globalPerSecond: number;
}

export const DEFAULT_LIMITS: RateLimits = {
  perChatPerSecond: 1,
  perChatBurst: 3,
  perGroupPerMinute: 20,
  globalPerSecond: 30,
};

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<number, Bucket>();
  private readonly groupWindows = new Map<number, number[]>();
  private globalWindow: number[] = [];
  /** chat id → time (ms) until which every message into it is refused. */
  private readonly forcedUntil = new Map<number, number>();

  constructor(private limits: RateLimits | false) {}

  setLimits(limits: RateLimits | false): void {
    this.limits = limits;
    this.buckets.clear();
    this.groupWindows.clear();
    this.globalWindow = [];
  }

  /** Refuse every message into `chatId` for `seconds`, regardless of the configured limits. */
  force(chatId: number, seconds: number, nowMs: number): void {
    this.forcedUntil.set(chatId, nowMs + seconds * 1000);
  }

  /**
   * Admit one message into `chatId` at `nowMs`: 0 when admitted (and counted), otherwise the
   * whole seconds (at least 1) until the tightest window frees, and nothing is counted.
   */
  take(chatId: number, isGroup: boolean, nowMs: number): number {
    const forced = this.forcedUntil.get(chatId);
    if (forced !== undefined) {
      if (nowMs < forced) return toRetryAfter(forced - nowMs);
      this.forcedUntil.delete(chatId);
    }
    const limits = this.limits;
    if (limits === false) return 0;

    const bucket = this.refill(chatId, limits, nowMs);
    const waits: number[] = [];
    if (bucket.tokens < 1) waits.push(((1 - bucket.tokens) / limits.perChatPerSecond) * 1000);

    const group = isGroup ? prune(this.groupWindows.get(chatId) ?? [], nowMs - 60_000) : [];
    if (isGroup && group.length >= limits.perGroupPerMinute) waits.push(group[0]! + 60_000 - nowMs);

    this.globalWindow = prune(this.globalWindow, nowMs - 1000);
    if (this.globalWindow.length >= limits.globalPerSecond) waits.push(this.globalWindow[0]! + 1000 - nowMs);

    if (waits.length > 0) return toRetryAfter(Math.max(...waits));
    bucket.tokens -= 1;
    if (isGroup) this.groupWindows.set(chatId, [...group, nowMs]);
    this.globalWindow.push(nowMs);
    return 0;
  }

  private refill(chatId: number, limits: RateLimits, nowMs: number): Bucket {
    const bucket = this.buckets.get(chatId) ?? { tokens: limits.perChatBurst, updatedMs: nowMs };
    const elapsedSeconds = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(limits.perChatBurst, bucket.tokens + elapsedSeconds * limits.perChatPerSecond);
    bucket.updatedMs = nowMs;
    this.buckets.set(chatId, bucket);
    return bucket;
  }
}

function prune(timesMs: number[], sinceMs: number): number[] {
  return timesMs.filter((t) => t > sinceMs);
}

function toRetryAfter(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
