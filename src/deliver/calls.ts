// Telegram calls for delivery, each in its chat's paced turn, with the fallbacks that keep an
// alert going out when Telegram refuses part of it: plain text when it cannot parse our HTML,
// no keyboard when it refuses a button, a new message when the one to edit was deleted, the
// General topic when the forum topic is gone.
import type { Logger } from '../log/logger.js';
import type { Rendered } from '../render/render.js';
import type { Telegram } from '../telegram/client.js';
import type { SendParams } from '../telegram/types.js';
import { classifyTelegramError } from './telegram-verdict.js';

/** How a message goes out: as rendered, or without what Telegram refused. */
interface Variant {
  plain: boolean;
  keyboard: boolean;
}

export interface CallsOptions {
  /** editMessageReplyMarkup is needed only with write-back (buttons move and switch). */
  telegram: Pick<Telegram, 'sendMessage' | 'editMessageText'> & Partial<Pick<Telegram, 'editMessageReplyMarkup'>>;
  /** Runs one call in the chat's turn (see turns.ts). */
  paced: <T>(chatId: string, call: () => Promise<T>) => Promise<T>;
  logger: Logger;
}

export type TelegramCalls = ReturnType<typeof createTelegramCalls>;

export function createTelegramCalls({ telegram, paced, logger }: CallsOptions) {
  function sendParams(chatId: string, threadId: number | null, r: Rendered, as: Variant, replyTo?: number, silent = false): SendParams {
    return {
      chat_id: chatId,
      text: as.plain ? r.plain : r.html,
      ...(as.plain ? {} : { parse_mode: 'HTML' as const }),
      ...(threadId !== null ? { message_thread_id: threadId } : {}),
      ...(as.keyboard && r.buttons.length ? { reply_markup: { inline_keyboard: r.buttons } } : {}),
      ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
      link_preview_options: { is_disabled: true },
      // Quiet hours: posted without a notification sound.
      ...(silent ? { disable_notification: true } : {}),
    };
  }

  /**
   * Runs `call` as rendered. If Telegram cannot parse our HTML, resends as plain text (and logs
   * loudly: that is our bug); if it refuses the keyboard (a button URL it does not take),
   * resends without it: the alert matters more than its buttons, and the link is in the text.
   * At most three calls.
   */
  async function withFallback<T>(call: (as: Variant) => Promise<T>, chatId: string): Promise<T> {
    const as: Variant = { plain: false, keyboard: true };
    for (;;) {
      try {
        return await paced(chatId, () => call({ ...as }));
      } catch (err) {
        const kind = classifyTelegramError(err).kind;
        if (kind === 'bad-html' && !as.plain) {
          logger.error({ err, chatId }, 'Telegram could not parse our HTML: sending as plain text (please report this)');
          as.plain = true;
        } else if (kind === 'bad-markup' && as.keyboard) {
          logger.warn({ err: (err as Error).message, chatId }, 'Telegram refused the buttons: sending the alert without them');
          as.keyboard = false;
        } else {
          throw err;
        }
      }
    }
  }

  /** `silent`: quiet hours, no notification sound (disable_notification). */
  async function send(chatId: string, threadId: number | null, r: Rendered, replyTo?: number, silent = false): Promise<number> {
    const msg = await withFallback((as) => telegram.sendMessage(sendParams(chatId, threadId, r, as, replyTo, silent)), chatId);
    return msg.message_id;
  }

  async function edit(chatId: string, messageId: number, r: Rendered): Promise<void> {
    try {
      await withFallback((as) => {
        const { message_thread_id: _thread, reply_parameters: _reply, ...p } = sendParams(chatId, null, r, as);
        return telegram.editMessageText({ ...p, message_id: messageId });
      }, chatId);
    } catch (err) {
      if (classifyTelegramError(err).kind !== 'not-modified') throw err;
    }
  }

  /** Sets or (without `buttons`) removes a message's keyboard; false when the message is gone. */
  async function setButtons(chatId: string, messageId: number, buttons?: Rendered['buttons']): Promise<boolean> {
    const editMarkup = telegram.editMessageReplyMarkup;
    if (!editMarkup) throw new Error('this dispatcher cannot change buttons (no editMessageReplyMarkup)');
    try {
      await paced(chatId, () => editMarkup({
        chat_id: chatId,
        message_id: messageId,
        ...(buttons ? { reply_markup: { inline_keyboard: buttons } } : {}),
      }));
    } catch (err) {
      const kind = classifyTelegramError(err).kind;
      if (kind === 'edit-target-gone') return false;
      if (kind !== 'not-modified') throw err;
    }
    return true;
  }

  /**
   * Edits an issue message; if it was deleted, sends it anew (to the General topic if its topic
   * is gone too). Returns the id of the message that now shows it.
   */
  async function editOrResend(chatId: string, messageId: number, threadId: number | null, r: Rendered, silent = false): Promise<number> {
    try {
      await edit(chatId, messageId, r);
      return messageId;
    } catch (err) {
      if (classifyTelegramError(err).kind !== 'edit-target-gone') throw err;
    }
    logger.info({ chatId, messageId }, 'the issue message was deleted: sending it anew');
    try {
      return await send(chatId, threadId, r, undefined, silent);
    } catch (err) {
      if (threadId === null || classifyTelegramError(err).kind !== 'thread-gone') throw err;
      return send(chatId, null, r, undefined, silent);
    }
  }

  /** A bot answer, as given: no fallbacks (answers are plain text we wrote). */
  function say(chatId: string, params: Omit<SendParams, 'chat_id'>): Promise<unknown> {
    return paced(chatId, () => telegram.sendMessage({ ...params, chat_id: chatId }));
  }

  return { send, edit, setButtons, editOrResend, say };
}
