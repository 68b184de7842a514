// Telegram's limits, kept on our side so we do not meet its 429s: about one message a second
// per chat, 20 a minute in groups and channels, about 30 a second per bot. Edits count too.
// Pure bookkeeping over a clock the caller passes in.
//
// Two rules together. Calls are spread evenly (`spend` at the start of a call). And, because
// Telegram counts a call when it arrives, which may be a moment after we started it, the 20 a
// minute and 30 a second are also kept over the times calls *finished* (`settled`): a call
// arrived no later than its answer, so no new call starts until the call `limit` places back
// has finished a full window ago. Without the second rule a network that is slow on one call
// and quick on the next puts 21 calls into one minute.

export interface PacingConfig {
  /** Minimum gap between calls to one private chat. */
  privateGapMs: number;
  /** Calls per minute to one group, supergroup or channel. */
  groupPerMinute: number;
  /** Calls per second for the whole bot. */
  globalPerSecond: number;
}

export const DEFAULT_PACING: PacingConfig = { privateGapMs: 1000, groupPerMinute: 20, globalPerSecond: 30 };

/** Negative ids are groups, supergroups and channels; `@name` is a channel. */
export function isGroupChat(chatId: string): boolean {
  return chatId.startsWith('-') || chatId.startsWith('@');
}

/** When a window of `limit` calls per `spanMs` admits the next one, given calls' finish times. */
function windowReadyAt(finishedAt: readonly number[], limit: number, spanMs: number): number {
  return finishedAt.length >= limit ? finishedAt[finishedAt.length - limit]! + spanMs : 0;
}

function remember(finishedAt: number[], at: number, limit: number): void {
  finishedAt.push(at);
  if (finishedAt.length > limit) finishedAt.splice(0, finishedAt.length - limit);
}

export function createPacer(config: PacingConfig) {
  const chatReadyAt = new Map<string, number>();
  let globalReadyAt = 0;
  const groupFinished = new Map<string, number[]>();
  const globalFinished: number[] = [];
  const globalLimit = Math.max(1, Math.floor(config.globalPerSecond));
  const groupLimit = Math.max(1, Math.floor(config.groupPerMinute));
  const globalGapMs = 1000 / config.globalPerSecond;
  const groupGapMs = Math.max(config.privateGapMs, 60_000 / config.groupPerMinute);

  return {
    /** Earliest time a call to this chat may start. */
    readyAt(chatId: string): number {
      return Math.max(
        chatReadyAt.get(chatId) ?? 0,
        globalReadyAt,
        windowReadyAt(globalFinished, globalLimit, 1000),
        windowReadyAt(groupFinished.get(chatId) ?? [], groupLimit, 60_000),
      );
    },
    /** Records a call starting now. */
    spend(chatId: string, now: number): void {
      const gap = isGroupChat(chatId) ? groupGapMs : config.privateGapMs;
      chatReadyAt.set(chatId, Math.max(chatReadyAt.get(chatId) ?? 0, now) + gap);
      globalReadyAt = Math.max(globalReadyAt, now) + globalGapMs;
    },
    /** Records that a call started with `spend` has finished (answered or not) now. */
    settled(chatId: string, now: number): void {
      remember(globalFinished, now, globalLimit);
      if (!isGroupChat(chatId)) return;
      const list = groupFinished.get(chatId) ?? [];
      remember(list, now, groupLimit);
      groupFinished.set(chatId, list);
    },
    /** Telegram said `retry after N`: nothing goes to this chat before then. */
    block(chatId: string, untilMs: number): void {
      chatReadyAt.set(chatId, Math.max(chatReadyAt.get(chatId) ?? 0, untilMs));
    },
    gapMs(chatId: string): number {
      return isGroupChat(chatId) ? groupGapMs : config.privateGapMs;
    },
  };
}

export interface BackoffConfig {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { baseMs: 1000, maxMs: 5 * 60_000 };

/** Capped exponential backoff with "equal jitter": half fixed, half random. */
export function backoffMs(attempt: number, config: BackoffConfig, random: () => number = Math.random): number {
  const capped = Math.min(config.maxMs, config.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}
