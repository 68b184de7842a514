// Telegram checks: the token (getMe), the chat and the bot's right to post there (getChat,
// getChatMember), and the forum topic. Problems are described with the same hints a failed
// delivery gets (`telegramHint`), so doctor and test-send say the same thing.
import { telegramHintCode } from '../../deliver/telegram-verdict.js';
import { cliText, type CliText } from '../../i18n/cli.js';
import { createTelegram } from '../../telegram/client.js';
import { TelegramApiError } from '../../telegram/errors.js';
import type { TgChat, TgUser } from '../../telegram/types.js';
import { probeChat, type PostRefusal } from '../can-post.js';
import { checker, messageOf, type CheckResult, type DoctorEnv } from './check.js';
import { when, type StoreReport } from './store.js';

export interface TelegramFindings {
  bot: TgUser | null;
  chat: TgChat | null;
}

/** The hint a delivery would get if Telegram answered `sendMessage` with this error. */
function sendHint(code: number, description: string, t: CliText): string {
  return t(`doctor.hint.${telegramHintCode(new TelegramApiError('sendMessage', code, description, undefined))}`);
}

function errorFix(err: unknown, apiRoot: string, t: CliText): string {
  if (err instanceof TelegramApiError) return t(`doctor.hint.${telegramHintCode(err)}`);
  return t('doctor.tg.network', { apiRoot });
}

function errorDetail(err: unknown, t: CliText): string {
  if (err instanceof TelegramApiError) return t('doctor.tg.answered', { code: err.code, description: err.description });
  return messageOf(err);
}

type Member = { status: string; can_send_messages?: boolean; can_post_messages?: boolean };
type ChatWithPermissions = TgChat & { permissions?: { can_send_messages?: boolean } };

/** Why the bot cannot post, as the error Telegram would give to sendMessage; null when it can. */
function postingProblem(chat: ChatWithPermissions, member: Member): { code: number; description: string } | null {
  const kind = chat.type;
  if (kind === 'private') {
    if (member.status === 'kicked') return { code: 403, description: 'Forbidden: bot was blocked by the user' };
    if (member.status === 'left') return { code: 403, description: "Forbidden: bot can't initiate conversation with a user" };
    return null;
  }
  if (member.status === 'kicked') return { code: 403, description: `Forbidden: bot was kicked from the ${kind} chat` };
  if (member.status === 'left') return { code: 403, description: `Forbidden: bot is not a member of the ${kind} chat` };
  if (kind === 'channel') {
    return member.status === 'administrator' && member.can_post_messages !== false
      ? null
      : { code: 400, description: 'Bad Request: need administrator rights in the channel chat' };
  }
  const notEnough = { code: 400, description: 'Bad Request: not enough rights to send text messages to the chat' };
  if (member.status === 'administrator' || member.status === 'creator') return null;
  if (member.status === 'restricted') return member.can_send_messages === false ? notEnough : null;
  // A plain member follows the group's default permissions.
  return chat.permissions?.can_send_messages === false ? notEnough : null;
}

function chatName(chat: TgChat, t: CliText): string {
  const name = chat.title ?? (chat.username ? `@${chat.username}` : chat.first_name);
  return `${name ? `"${name}" ` : ''}(${chat.type}${chat.is_forum ? t('doctor.tg.forum') : ''})`;
}

export async function checkTelegram(env: DoctorEnv, store: StoreReport | null): Promise<{ results: CheckResult[]; findings: TelegramFindings }> {
  const { settings } = env.loaded;
  const t = cliText(settings.locale);
  const token = checker('telegram-token', 'Telegram bot token');
  const chatCheck = checker('telegram-chat', 'Telegram chat');
  const topicCheck = checker('telegram-topic', 'Forum topic');
  const findings: TelegramFindings = { bot: null, chat: null };
  const results: CheckResult[] = [];
  const done = (...rest: CheckResult[]) => ({ results: [...results, ...rest], findings });
  const topicId = settings.topicId;
  const noTopic = () =>
    topicId === undefined
      ? topicCheck.skip(t('doctor.tg.noTopic'))
      : undefined;

  if (settings.telegramToken === undefined) {
    return done(
      token.skip(t('doctor.tg.tokenUnset')),
      chatCheck.skip(t('doctor.tg.needsToken')),
      noTopic() ?? topicCheck.skip(t('doctor.tg.needsToken')),
    );
  }
  const telegram = createTelegram({
    apiRoot: settings.telegramApiRoot,
    token: settings.telegramToken,
    fetch: env.fetch,
    timeoutMs: env.timeoutMs,
  });

  try {
    findings.bot = await telegram.getMe();
    results.push(token.ok(t('doctor.tg.tokenOk', { bot: findings.bot.username ?? findings.bot.first_name, id: findings.bot.id })));
  } catch (err) {
    return done(
      token.fail(errorDetail(err, t), errorFix(err, settings.telegramApiRoot, t)),
      chatCheck.skip(t('doctor.tg.needsWorkingToken')),
      noTopic() ?? topicCheck.skip(t('doctor.tg.needsWorkingToken')),
    );
  }

  const chatId = settings.chatId;
  if (chatId === undefined) {
    return done(chatCheck.skip(t('doctor.tg.chatUnset')), noTopic() ?? topicCheck.skip(t('doctor.tg.needsChat')));
  }
  let chat: ChatWithPermissions;
  try {
    chat = await telegram.getChat(chatId);
  } catch (err) {
    const skipTopic = noTopic() ?? topicCheck.skip(t('doctor.tg.needsReachableChat'));
    if (err instanceof TelegramApiError && err.migrateToChatId !== undefined) {
      return done(
        chatCheck.fail(
          t('doctor.tg.migrated', { chat: chatId, newId: err.migrateToChatId }),
          t('doctor.tg.migratedFix', { newId: err.migrateToChatId }),
        ),
        skipTopic,
      );
    }
    return done(chatCheck.fail(t('doctor.tg.chatError', { chat: chatId, error: errorDetail(err, t) }), errorFix(err, settings.telegramApiRoot, t)), skipTopic);
  }
  findings.chat = chat;

  let member: Member;
  try {
    member = await telegram.getChatMember(chatId, findings.bot.id);
  } catch (err) {
    // getChatMember of the bot itself fails when the bot is not in the chat at all.
    return done(
      chatCheck.fail(t('doctor.tg.membership', { chat: chatName(chat, t), error: errorDetail(err, t) }), errorFix(err, settings.telegramApiRoot, t)),
      noTopic() ?? topicCheck.skip(t('doctor.tg.needsPostableChat')),
    );
  }
  const problem = postingProblem(chat, member);
  if (problem) {
    return done(
      chatCheck.fail(t('doctor.tg.mayNotPost', { chat: chatName(chat, t), why: problem.description.replace(/^[^:]+: /, '') }), sendHint(problem.code, problem.description, t)),
      noTopic() ?? topicCheck.skip(t('doctor.tg.needsPostableChat')),
    );
  }
  // Membership says nothing about a private chat the user blocked or never started, and an
  // upgraded group still answers getChat: only a probe that Telegram refuses like a message tells.
  let refusal: PostRefusal | null;
  try {
    refusal = await probeChat(telegram, String(chatId), topicId !== undefined && chat.is_forum ? topicId : undefined);
  } catch (err) {
    return done(
      chatCheck.warn(t('doctor.tg.probeFailed', { chat: chatName(chat, t), error: errorDetail(err, t) }), errorFix(err, settings.telegramApiRoot, t)),
      noTopic() ?? topicCheck.skip(t('doctor.tg.needsPostableChat')),
    );
  }
  if (refusal) {
    return done(chatCheck.fail(t('doctor.tg.cannotPost', { chat: chatName(chat, t), why: refusal.reason }), refusal.fix), noTopic() ?? topicCheck.skip(t('doctor.tg.needsPostableChat')));
  }
  const role = member.status === 'administrator' ? t('doctor.tg.roleAdmin') : t('doctor.tg.roleOther', { status: member.status });
  results.push(chatCheck.ok(t('doctor.tg.chatOk', { chat: chatName(chat, t), role })));
  return done(noTopic() ?? checkTopic(chat, topicId!, String(chatId), store, t));
}

/**
 * The Bot API has no call that looks a topic up (getForumTopic does not exist, and every call
 * that takes message_thread_id posts something or is a chat action the user would see). So
 * doctor verifies what it can without posting: the chat must be a forum, and the receiver's
 * own records say whether alerts already reached that topic. Without such a record the topic
 * is a warning that names the command that proves it: test-send.
 */
function checkTopic(chat: TgChat, topicId: number, chatId: string, store: StoreReport | null, t: CliText) {
  const c = checker('telegram-topic', 'Forum topic');
  if (!chat.is_forum) {
    return c.warn(
      t('doctor.tg.notForum', { chat: chatName(chat, t), topic: topicId }),
      t('doctor.tg.notForumFix'),
    );
  }
  const lastDelivered = store?.lastDeliveredToTopic(chatId, topicId) ?? null;
  if (lastDelivered !== null) return c.ok(t('doctor.tg.topicOk', { topic: topicId, when: when(lastDelivered) }));
  return c.warn(
    t('doctor.tg.topicUnverified', { topic: topicId, chat: chatName(chat, t) }),
    t('doctor.tg.topicFix'),
  );
}
