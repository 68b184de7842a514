// Telegram checks: the token (getMe), the chat and the bot's right to post there (getChat,
// getChatMember), and the forum topic. Problems are described with the same hints a failed
// delivery gets (`telegramHint`), so doctor and test-send say the same thing.
import { telegramHint } from '../../deliver/telegram-verdict.js';
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
function sendHint(code: number, description: string): string {
  return telegramHint(new TelegramApiError('sendMessage', code, description, undefined));
}

function errorFix(err: unknown, apiRoot: string): string {
  if (err instanceof TelegramApiError) return telegramHint(err);
  return `Check the network, and TELEGRAM_API_ROOT (${apiRoot}) if you use a proxy or a local Bot API server`;
}

function errorDetail(err: unknown): string {
  if (err instanceof TelegramApiError) return `Telegram answered ${err.code} ${err.description}`;
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

function chatName(chat: TgChat): string {
  const name = chat.title ?? (chat.username ? `@${chat.username}` : chat.first_name);
  return `${name ? `"${name}" ` : ''}(${chat.type}${chat.is_forum ? ', forum' : ''})`;
}

export async function checkTelegram(env: DoctorEnv, store: StoreReport | null): Promise<{ results: CheckResult[]; findings: TelegramFindings }> {
  const { settings } = env.loaded;
  const token = checker('telegram-token', 'Telegram bot token');
  const chatCheck = checker('telegram-chat', 'Telegram chat');
  const topicCheck = checker('telegram-topic', 'Forum topic');
  const findings: TelegramFindings = { bot: null, chat: null };
  const results: CheckResult[] = [];
  const done = (...rest: CheckResult[]) => ({ results: [...results, ...rest], findings });
  const topicId = settings.topicId;
  const noTopic = () =>
    topicId === undefined
      ? topicCheck.skip('no SENTRY_ALERT_TOPIC_ID: alerts go to the chat itself (the General topic in forums)')
      : undefined;

  if (settings.telegramToken === undefined) {
    return done(
      token.skip('SENTRY_ALERT_TELEGRAM_TOKEN is not set'),
      chatCheck.skip('needs the bot token'),
      noTopic() ?? topicCheck.skip('needs the bot token'),
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
    results.push(token.ok(`valid: @${findings.bot.username ?? findings.bot.first_name} (id ${findings.bot.id})`));
  } catch (err) {
    return done(
      token.fail(errorDetail(err), errorFix(err, settings.telegramApiRoot)),
      chatCheck.skip('needs a working bot token'),
      noTopic() ?? topicCheck.skip('needs a working bot token'),
    );
  }

  const chatId = settings.chatId;
  if (chatId === undefined) {
    return done(chatCheck.skip('SENTRY_ALERT_CHAT_ID is not set'), noTopic() ?? topicCheck.skip('needs the chat'));
  }
  let chat: ChatWithPermissions;
  try {
    chat = await telegram.getChat(chatId);
  } catch (err) {
    const skipTopic = noTopic() ?? topicCheck.skip('needs a reachable chat');
    if (err instanceof TelegramApiError && err.migrateToChatId !== undefined) {
      return done(
        chatCheck.fail(
          `chat ${chatId} was upgraded to a supergroup with id ${err.migrateToChatId}`,
          `Set SENTRY_ALERT_CHAT_ID=${err.migrateToChatId}`,
        ),
        skipTopic,
      );
    }
    return done(chatCheck.fail(`chat ${chatId}: ${errorDetail(err)}`, errorFix(err, settings.telegramApiRoot)), skipTopic);
  }
  findings.chat = chat;

  let member: Member;
  try {
    member = await telegram.getChatMember(chatId, findings.bot.id);
  } catch (err) {
    // getChatMember of the bot itself fails when the bot is not in the chat at all.
    return done(
      chatCheck.fail(`${chatName(chat)}: cannot read the bot's membership: ${errorDetail(err)}`, errorFix(err, settings.telegramApiRoot)),
      noTopic() ?? topicCheck.skip('needs a chat the bot can post to'),
    );
  }
  const problem = postingProblem(chat, member);
  if (problem) {
    return done(
      chatCheck.fail(`${chatName(chat)}: the bot may not post here (${problem.description.replace(/^[^:]+: /, '')})`, sendHint(problem.code, problem.description)),
      noTopic() ?? topicCheck.skip('needs a chat the bot can post to'),
    );
  }
  // Membership says nothing about a private chat the user blocked or never started, and an
  // upgraded group still answers getChat: only a probe that Telegram refuses like a message tells.
  let refusal: PostRefusal | null;
  try {
    refusal = await probeChat(telegram, String(chatId), topicId !== undefined && chat.is_forum ? topicId : undefined);
  } catch (err) {
    return done(
      chatCheck.warn(`${chatName(chat)}: could not check with a chat action: ${errorDetail(err)}`, errorFix(err, settings.telegramApiRoot)),
      noTopic() ?? topicCheck.skip('needs a chat the bot can post to'),
    );
  }
  if (refusal) {
    return done(chatCheck.fail(`${chatName(chat)}: the bot cannot post: ${refusal.reason}`, refusal.fix), noTopic() ?? topicCheck.skip('needs a chat the bot can post to'));
  }
  results.push(chatCheck.ok(`${chatName(chat)}, the bot is ${member.status === 'administrator' ? 'an administrator' : `a ${member.status}`} and may post`));
  return done(noTopic() ?? checkTopic(chat, topicId!, String(chatId), store));
}

/**
 * The Bot API has no call that looks a topic up (getForumTopic does not exist, and every call
 * that takes message_thread_id posts something or is a chat action the user would see). So
 * doctor verifies what it can without posting: the chat must be a forum, and the receiver's
 * own records say whether alerts already reached that topic. Without such a record the topic
 * is a warning that names the command that proves it: test-send.
 */
function checkTopic(chat: TgChat, topicId: number, chatId: string, store: StoreReport | null) {
  const c = checker('telegram-topic', 'Forum topic');
  if (!chat.is_forum) {
    return c.warn(
      `${chatName(chat)} is not a forum, so SENTRY_ALERT_TOPIC_ID=${topicId} would address a reply thread, not a topic`,
      'Remove SENTRY_ALERT_TOPIC_ID, or turn on Topics in the group settings and use a topic id',
    );
  }
  const lastDelivered = store?.lastDeliveredToTopic(chatId, topicId) ?? null;
  if (lastDelivered !== null) return c.ok(`topic ${topicId}: alerts were delivered there (last ${when(lastDelivered)})`);
  return c.warn(
    `topic ${topicId} in ${chatName(chat)}: cannot be verified without posting (the Bot API cannot look topics up)`,
    'Run `sentry-tg test-send` to post a sample alert into it',
  );
}
