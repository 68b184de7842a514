// "Can the bot post there?" without posting: `sendChatAction` is refused exactly like
// `sendMessage` (blocked, never started, no rights, upgraded group, missing topic) but leaves
// no message, only a "typing…" of a few seconds. Setup and doctor both ask it, and explain a
// refusal with the same words and a fix for each.
import { telegramHint } from '../deliver/telegram-verdict.js';
import type { Telegram } from '../telegram/client.js';
import { TelegramApiError } from '../telegram/errors.js';

export type PostRefusal = {
  /** What is wrong, for people. */
  reason: string;
  fix: string;
  /** The group became a supergroup: its new id. */
  newChatId?: number;
};

/** A refusal of the probe, explained; null for an error that is not about the chat (network). Pure. */
export function explainRefusal(err: unknown, chatId: string): PostRefusal | null {
  if (!(err instanceof TelegramApiError) || err.code === 429 || err.code >= 500) return null;
  const d = err.description.toLowerCase();
  if (err.migrateToChatId !== undefined) {
    return {
      reason: `the group ${chatId} was upgraded to a supergroup with the new id ${err.migrateToChatId}`,
      fix: `Set SENTRY_ALERT_CHAT_ID=${err.migrateToChatId} (or run \`sentry-tg setup\` again and pick the chat).`,
      newChatId: err.migrateToChatId,
    };
  }
  if (d.includes('blocked by the user')) {
    return { reason: 'the user blocked the bot', fix: 'Unblock the bot in Telegram and send it /start.' };
  }
  if (d.includes("can't initiate conversation")) {
    return { reason: 'the user never started the bot', fix: 'Open the bot in Telegram and press Start (or send it /start).' };
  }
  if (d.includes('not enough rights') || d.includes('administrator rights')) {
    return {
      reason: 'the bot may not send messages in this chat (it is read-only for the bot)',
      fix: 'Give the bot the right to send messages (in a channel: make it an administrator that may post).',
    };
  }
  if (d.includes('message thread not found')) {
    return { reason: 'the forum topic does not exist', fix: 'Check SENTRY_ALERT_TOPIC_ID (the General topic has no id: leave it empty).' };
  }
  if (d.includes('kicked') || d.includes('not a member')) {
    return { reason: 'the bot is not in the chat', fix: 'Add the bot to the chat again (in a channel: as an administrator).' };
  }
  return { reason: `Telegram answered ${err.code} ${err.description}`, fix: telegramHint(err) };
}

/** Null when the bot may post; the refusal otherwise. Network failures are thrown. */
export async function probeChat(
  telegram: Pick<Telegram, 'call'>,
  chatId: string,
  topicId: number | undefined,
): Promise<PostRefusal | null> {
  try {
    await telegram.call('sendChatAction', {
      chat_id: chatId,
      action: 'typing',
      ...(topicId !== undefined ? { message_thread_id: topicId } : {}),
    });
    return null;
  } catch (err) {
    const refusal = explainRefusal(err, chatId);
    if (refusal === null) throw err;
    return refusal;
  }
}
