// Telegram questions: the bot token (masked, checked with getMe) and, in the work phase, the
// confirmation message to the chosen chat or topic.
import { telegramHint } from '../../deliver/telegram-verdict.js';
import { createTelegram, type Telegram } from '../../telegram/client.js';
import { TelegramApiError, TelegramNetworkError } from '../../telegram/errors.js';
import type { TgUser } from '../../telegram/types.js';
import { OPTIONS } from '../../config/options.js';
import { UserError } from '../../errors.js';
import { registerSecret } from '../../log/redact.js';
import { probeChat, type PostRefusal } from '../can-post.js';
import { missingAnswer, flagAndEnv, type Session } from './session.js';

export interface BotAnswer {
  token: string;
  telegram: Telegram;
  bot: TgUser;
  /** `@username`. */
  handle: string;
}

const MAX_ATTEMPTS = 3;

function validate(key: 'telegramToken') {
  return (raw: string): true | string => {
    const parsed = OPTIONS[key].parse(raw);
    return 'error' in parsed ? parsed.error : true;
  };
}

/** A Telegram failure as a message for people, with what to do next. */
export function telegramFailure(err: unknown, doing: string, apiRoot: string): UserError {
  if (err instanceof TelegramApiError) {
    return new UserError(`Telegram refused to ${doing}: ${err.code} ${err.description}.`, telegramHint(err));
  }
  if (err instanceof TelegramNetworkError) {
    return new UserError(
      `Could not reach Telegram to ${doing}: ${err.message}.`,
      `Check the network${apiRoot !== OPTIONS.telegramApiRoot.fallback ? ` and TELEGRAM_API_ROOT (${apiRoot})` : ''}.`,
    );
  }
  return err instanceof UserError ? err : new UserError(`Telegram failed to ${doing}: ${(err as Error).message}.`);
}

export async function askBot(s: Session): Promise<BotAnswer> {
  const { ctx } = s;
  const apiRoot = s.settings.telegramApiRoot;
  let token = s.settings.telegramToken;
  for (let attempt = 1; ; attempt++) {
    if (!token) {
      if (!s.interactive) throw missingAnswer(s, flagAndEnv('telegramToken'), 'the bot token from @BotFather');
      ctx.out.info(s.t('setup.q.createBot'));
      token = (await ctx.prompts.password({ message: s.t('setup.q.botToken'), validate: validate('telegramToken') })).trim();
    }
    registerSecret(token);
    const telegram = createTelegram({ apiRoot, token, fetch: ctx.fetch });
    try {
      const bot = await telegram.getMe();
      const handle = `@${bot.username ?? bot.first_name}`;
      ctx.out.ok(s.t('setup.bot', { bot: handle }));
      return { token, telegram, bot, handle };
    } catch (err) {
      const unauthorized = err instanceof TelegramApiError && (err.code === 401 || err.code === 404);
      if (!unauthorized) throw telegramFailure(err, 'check the bot token (getMe)', apiRoot);
      const problem = 'Telegram rejected the bot token (401 Unauthorized)';
      if (!s.interactive || attempt >= MAX_ATTEMPTS) {
        throw new UserError(`${problem}.`, 'The token is wrong or was revoked: copy it again from @BotFather (/token) and pass it as --telegram-token or SENTRY_ALERT_TELEGRAM_TOKEN.');
      }
      ctx.out.warn(`${problem}: it is wrong or was revoked. Paste it again from @BotFather (/token).`);
      token = undefined;
    }
  }
}

/** The short message that proves the bot can write to the chosen chat/topic. */
export async function sendConfirmation(
  s: Session,
  bot: BotAnswer,
  target: { chatId: string; topicId?: number | undefined; label: string },
  about: string,
): Promise<number> {
  const text = `✅ sentry-tg is connected: Sentry alerts for ${about} will arrive here.`;
  try {
    const msg = await bot.telegram.sendMessage({
      chat_id: target.chatId,
      text,
      ...(target.topicId !== undefined ? { message_thread_id: target.topicId } : {}),
      link_preview_options: { is_disabled: true },
    });
    s.ctx.out.ok(`Sent a confirmation message to ${target.label}.`);
    s.changes.remote.push(`Telegram: sent a confirmation message to ${target.label}`);
    return msg.message_id;
  } catch (err) {
    if (err instanceof TelegramApiError && /message thread not found/i.test(err.description)) {
      throw new UserError(
        `Telegram says topic ${target.topicId} does not exist in ${target.label}.`,
        'Check SENTRY_ALERT_TOPIC_ID (the General topic has no id: leave it empty).',
      );
    }
    throw telegramFailure(err, `send a message to ${target.label}`, s.settings.telegramApiRoot);
  }
}

/** Refuses, with the reason and its fix, a chat the bot cannot post to (the probe posts nothing). */
export async function checkCanPost(s: Session, bot: BotAnswer, target: { chatId: string; topicId?: number | undefined; label: string }): Promise<void> {
  let refusal: PostRefusal | null;
  try {
    refusal = await probeChat(bot.telegram, target.chatId, target.topicId);
  } catch (err) {
    throw telegramFailure(err, `check ${target.label}`, s.settings.telegramApiRoot);
  }
  if (refusal) throw new UserError(`The bot cannot post to ${target.label}: ${refusal.reason}.`, refusal.fix);
  s.ctx.out.ok(`The bot may post to ${target.label}.`);
}
