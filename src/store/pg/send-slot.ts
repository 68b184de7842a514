// Whether a Telegram call may start now, given the recent start times to the chat and to the
// whole bot. Pure: replicas.ts reads the times under a row lock, asks here, and writes back.
import type { SendRules } from '../async-store.js';

const MINUTE_MS = 60_000;
const SECOND_MS = 1000;

/** Negative ids are groups, supergroups and channels; `@name` is a channel (deliver/pacing.ts). */
export function isGroupChat(chatId: string): boolean {
  return chatId.startsWith('-') || chatId.startsWith('@');
}

/** How long until a window of `limit` starts per `spanMs` admits one more at `now` (0: now). */
function windowWaitMs(sentAt: readonly number[], limit: number, spanMs: number, now: number): number {
  const inWindow = sentAt.filter((t) => t > now - spanMs).sort((a, b) => a - b);
  if (inWindow.length < limit) return 0;
  return inWindow[inWindow.length - limit]! + spanMs - now;
}

export interface SlotDecision {
  waitMs: number;
  /** The times to store back when the call may start (waitMs 0). */
  chatSentAt: number[];
  globalSentAt: number[];
}

export function decideSendSlot(
  chatId: string,
  chatSentAt: readonly number[],
  globalSentAt: readonly number[],
  now: number,
  rules: SendRules,
): SlotDecision {
  const group = isGroupChat(chatId);
  const groupLimit = Math.max(1, Math.floor(rules.groupPerMinute));
  const globalLimit = Math.max(1, Math.floor(rules.globalPerSecond));
  const last = chatSentAt.length > 0 ? Math.max(...chatSentAt) : -Infinity;
  const waitMs = Math.ceil(
    Math.max(
      0,
      last + rules.privateGapMs - now,
      group ? windowWaitMs(chatSentAt, groupLimit, MINUTE_MS, now) : 0,
      windowWaitMs(globalSentAt, globalLimit, SECOND_MS, now),
    ),
  );
  if (waitMs > 0) return { waitMs, chatSentAt: [...chatSentAt], globalSentAt: [...globalSentAt] };
  // Keep what the next decision needs: the last start for the gap, a minute of starts for groups.
  const keepChat = [...chatSentAt, now].sort((a, b) => a - b).filter((t, i, all) => (group ? t > now - MINUTE_MS : i === all.length - 1));
  const keepGlobal = [...globalSentAt, now].sort((a, b) => a - b).filter((t) => t > now - SECOND_MS);
  return { waitMs: 0, chatSentAt: keepChat.slice(-Math.max(groupLimit, 1)), globalSentAt: keepGlobal.slice(-globalLimit) };
}
