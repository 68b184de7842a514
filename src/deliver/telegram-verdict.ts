// What a Telegram failure means for delivery (retry, wait, resend differently, give up) and the
// one line telling a human what to do about it. Delivery, doctor, setup and test-send share it.
import { TelegramApiError, TelegramNetworkError } from '../telegram/errors.js';

/** What a Telegram failure means for the alert being delivered. */
export type TelegramVerdict =
  | { kind: 'retry-after'; seconds: number } // 429: wait exactly this long for this chat
  | { kind: 'transient' } // network, timeout, 5xx: back off and retry
  | { kind: 'migrated'; newChatId: number } // group became a supergroup: resend there
  | { kind: 'thread-gone'; closed: boolean } // forum topic deleted or closed: resend to General
  | { kind: 'bad-html' } // can't parse entities: resend as plain text
  | { kind: 'bad-markup' } // a button or the keyboard refused (BUTTON_URL_INVALID…): resend without
  | { kind: 'not-modified' } // edit with identical content: success
  | { kind: 'edit-target-gone' } // the message was deleted: send a new one
  | { kind: 'fatal'; reason: string; hint: string }; // retrying will not help

export function classifyTelegramError(err: unknown): TelegramVerdict {
  if (err instanceof TelegramNetworkError) return { kind: 'transient' };
  if (!(err instanceof TelegramApiError)) return { kind: 'transient' };
  const d = err.description.toLowerCase();
  if (err.code === 429) return { kind: 'retry-after', seconds: Math.max(1, err.retryAfterSeconds ?? 5) };
  if (err.code >= 500) return { kind: 'transient' };
  if (err.migrateToChatId !== undefined) return { kind: 'migrated', newChatId: err.migrateToChatId };
  if (d.includes('topic_closed') || d.includes('topic closed')) return { kind: 'thread-gone', closed: true };
  if (d.includes('message thread not found') || d.includes('topic_deleted')) return { kind: 'thread-gone', closed: false };
  if (d.includes("can't parse entities") || d.includes('can not parse entities')) return { kind: 'bad-html' };
  // Before the markup test: this one says "…reply markup are exactly the same…".
  if (d.includes('message is not modified')) return { kind: 'not-modified' };
  if (d.includes('message to edit not found') || d.includes("message can't be edited"))
    return { kind: 'edit-target-gone' };
  // BUTTON_URL_INVALID, "inline keyboard button URL '…' is invalid", BUTTON_DATA_INVALID,
  // "can't parse reply keyboard markup JSON object", REPLY_MARKUP_INVALID…: the message
  // itself is fine without its keyboard.
  if (err.code === 400 && /button|keyboard|reply[ _]?markup/.test(d)) return { kind: 'bad-markup' };
  return { kind: 'fatal', reason: `${err.code} ${err.description}`, hint: telegramHint(err) };
}

/** What to do about a Telegram error, one line each, by hint code. */
export const TELEGRAM_HINTS = {
  token: 'The bot token is wrong or revoked: get a new one from @BotFather.',
  chatNotFound: 'Check SENTRY_ALERT_CHAT_ID; add the bot to the chat and send /start to it first.',
  blocked: 'The user blocked the bot: unblock it and send /start.',
  kicked: 'The bot was removed from the chat: add it back.',
  notMember: 'Add the bot to the chat (channels: as an administrator).',
  rights: 'Allow the bot to send messages in this chat (make it an administrator in channels).',
  tooLong: 'The message was too long; this is a bug in sentry-tg, please report it.',
  button: 'A button was too large; this is a bug in sentry-tg, please report it.',
  conflict: "Another program reads this bot's updates (or a webhook is set): stop it or run deleteWebhook.",
  other: 'See the Telegram error above.',
} as const;
export type TelegramHintCode = keyof typeof TELEGRAM_HINTS;

/** Which hint a Telegram error gets (the words: `TELEGRAM_HINTS`, or a catalogue keyed by it). */
export function telegramHintCode(err: TelegramApiError): TelegramHintCode {
  const d = err.description.toLowerCase();
  if (err.code === 401) return 'token';
  if (d.includes('chat not found')) return 'chatNotFound';
  if (d.includes('blocked by the user')) return 'blocked';
  if (d.includes('kicked')) return 'kicked';
  if (d.includes('not a member')) return 'notMember';
  if (d.includes('not enough rights') || d.includes('administrator rights')) return 'rights';
  if (d.includes('message is too long')) return 'tooLong';
  if (d.includes('button_data_invalid')) return 'button';
  if (err.code === 409) return 'conflict';
  return 'other';
}

/** One line telling the user what to do about a Telegram error. */
export function telegramHint(err: TelegramApiError): string {
  return TELEGRAM_HINTS[telegramHintCode(err)];
}
