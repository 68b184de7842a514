// Which chat (and forum topic) gets the alerts. Either given (checked with getChat and the bot's
// membership), or found: the user sends /start to the bot, we poll getUpdates for a bounded
// time and list the private chats, groups and topics that wrote to it.
import { probeChat, type PostRefusal } from '../can-post.js';
import { OPTIONS } from '../../config/options.js';
import { TelegramApiError } from '../../telegram/errors.js';
import type { TgChat, TgUpdate } from '../../telegram/types.js';
import { chatLabel, chatsFromUpdates, type ChatAnswer, type FoundChat } from './chat-found.js';

export { chatLabel, chatsFromUpdates, type ChatAnswer, type FoundChat, type SeenUser } from './chat-found.js';
import { UserError } from '../../errors.js';
import { startProgress } from './progress.js';
import { DEFAULT_CHAT_WAIT_MS, flagAndEnv, missingAnswer, type Session } from './session.js';
import { telegramFailure, type BotAnswer } from './telegram.js';

const LONG_POLL_MAX_SECONDS = 10;

type PollOutcome = { kind: 'found'; chats: FoundChat[] } | { kind: 'timeout' } | { kind: 'conflict'; err: TelegramApiError };

async function poll(s: Session, bot: BotAnswer, waitMs: number, known: FoundChat[]): Promise<PollOutcome> {
  const { ctx } = s;
  const deadline = ctx.now() + waitMs;
  const seen: TgUpdate[] = [];
  let offset: number | undefined;
  const secondsLeft = () => Math.max(0, Math.ceil((deadline - ctx.now()) / 1000));
  const progress = startProgress(ctx, () => `Waiting for a message to ${bot.handle}… ${secondsLeft()} s left`);
  try {
    for (;;) {
      const leftMs = deadline - ctx.now();
      const timeout = Math.min(LONG_POLL_MAX_SECONDS, Math.floor(Math.max(0, leftMs) / 1000));
      let updates: TgUpdate[];
      try {
        updates = await bot.telegram.getUpdates({ ...(offset !== undefined ? { offset } : {}), timeout, limit: 100 });
      } catch (err) {
        if (err instanceof TelegramApiError && err.code === 409) return { kind: 'conflict', err };
        throw telegramFailure(err, 'read updates (getUpdates)', s.settings.telegramApiRoot);
      }
      for (const u of updates) {
        seen.push(u);
        offset = u.update_id + 1;
      }
      const chats = chatsFromUpdates(seen).filter((c) => !known.some((k) => k.chat.id === c.chat.id && k.topicId === c.topicId));
      if (chats.length > 0) return { kind: 'found', chats };
      if (ctx.now() >= deadline) return { kind: 'timeout' };
      if (timeout === 0) await ctx.sleep(Math.min(250, Math.max(0, deadline - ctx.now())));
      progress.update(() => `Waiting for a message to ${bot.handle}… ${secondsLeft()} s left`);
    }
  } finally {
    progress.stop();
  }
}

/** 409: a webhook is set (offer to delete it) or another program polls the bot. */
async function handleConflict(s: Session, bot: BotAnswer, err: TelegramApiError): Promise<{ next: 'retry' | 'type'; deleted?: string }> {
  const { ctx } = s;
  const webhookActive = /webhook/i.test(err.description);
  if (!webhookActive) {
    const msg = 'Another program is reading this bot\'s updates (getUpdates returned 409), so the chat cannot be found automatically.';
    if (!s.interactive) throw new UserError(msg, 'Stop the other program, or pass --chat-id.');
    ctx.out.warn(msg);
    ctx.out.info('Stop the other program and try again, or type the chat id.');
    const next = await ctx.prompts.select<'retry' | 'type'>({
      message: 'What now?',
      choices: [
        { name: 'Try again', value: 'retry' },
        { name: 'Type the chat id', value: 'type' },
      ],
    });
    return { next };
  }
  // The URL only makes the explanation clearer; the 409 already says enough without it.
  const url = await bot.telegram.getWebhookInfo().then(
    (info) => info.url,
    () => '',
  );
  const where = url ? ` (${url})` : '';
  const msg = `This bot has a Telegram webhook set${where}, and Telegram hands out no updates through getUpdates while it is set.`;
  if (!s.interactive) {
    throw new UserError(msg, 'Delete it (deleteWebhook) if nothing else uses it, or pass --chat-id.');
  }
  ctx.out.warn(msg);
  const choices: { name: string; value: 'delete' | 'type' }[] = [];
  if (!s.dryRun) choices.push({ name: 'Delete the webhook (only if no other program needs it)', value: 'delete' });
  choices.push({ name: 'Keep it and type the chat id', value: 'type' });
  const next = await ctx.prompts.select({ message: 'The webhook blocks chat discovery. What now?', choices });
  if (next === 'type') return { next };
  try {
    await bot.telegram.deleteWebhook();
  } catch (delErr) {
    throw telegramFailure(delErr, 'delete the webhook', s.settings.telegramApiRoot);
  }
  ctx.out.ok('Deleted the bot\'s Telegram webhook.');
  s.changes.remote.push(`Telegram: deleted the bot's webhook${where}`);
  return { next: 'retry', deleted: url || 'yes' };
}

async function typeChat(s: Session, bot: BotAnswer): Promise<{ chatId: string; topicId?: number }> {
  const { prompts } = s.ctx;
  const parse = (key: 'chatId' | 'topicId') => (raw: string): true | string => {
    const r = OPTIONS[key].parse(raw);
    return 'error' in r ? r.error : true;
  };
  const raw = await prompts.input({ message: s.t('setup.q.chatId'), validate: parse('chatId') });
  const chat = OPTIONS.chatId.parse(raw);
  const chatId = 'value' in chat ? chat.value : raw.trim();
  if (!chatId.startsWith('-')) return { chatId };
  // Only a forum has topics; for anything else the question would only invite a wrong answer.
  // (An unknown chat is reported by the check that follows.)
  const known = await bot.telegram.getChat(chatId).catch(() => undefined);
  if (!known?.is_forum) return { chatId };
  const topicRaw = await prompts.input({ message: s.t('setup.q.topicId'), default: '', validate: parse('topicId') });
  const topic = OPTIONS.topicId.parse(topicRaw);
  return 'value' in topic && topic.value !== undefined ? { chatId, topicId: topic.value } : { chatId };
}

/** getChat plus the bot's own membership: can the bot write there? */
async function checkChat(s: Session, bot: BotAnswer, chatId: string, topicId: number | undefined): Promise<{ chat: TgChat; chatId: string }> {
  let chat: TgChat;
  try {
    chat = await bot.telegram.getChat(chatId);
  } catch (err) {
    if (err instanceof TelegramApiError && err.migrateToChatId !== undefined) {
      s.ctx.out.warn(s.t('setup.chat.migrated', { chat: chatId, newId: err.migrateToChatId }));
      return checkChat(s, bot, String(err.migrateToChatId), topicId);
    }
    throw telegramFailure(err, `find chat ${chatId}`, s.settings.telegramApiRoot);
  }
  // Some chats do not answer getChatMember for the bot; the confirmation message will tell.
  const member = await bot.telegram.getChatMember(chat.id, bot.bot.id).catch(() => undefined);
  const label = chatLabel(chat, topicId, undefined, s.t);
  if (member) {
    if (chat.type === 'private' && member.status === 'kicked') {
      throw new UserError(s.t('setup.chat.blocked', { label, bot: bot.handle }), s.t('setup.chat.blockedFix'));
    }
    if (member.status === 'left' || member.status === 'kicked') {
      throw new UserError(s.t('setup.chat.notMember', { label, bot: bot.handle }), s.t('setup.chat.notMemberFix'));
    }
    if (chat.type === 'channel' && (member.status !== 'administrator' || member.can_post_messages === false)) {
      throw new UserError(s.t('setup.chat.channel', { label, bot: bot.handle }), s.t('setup.chat.channelFix'));
    }
    if (member.status === 'restricted' && member.can_send_messages === false) {
      throw new UserError(s.t('setup.chat.restricted', { label, bot: bot.handle }), s.t('setup.chat.restrictedFix'));
    }
  }
  // Membership cannot tell a private chat the user blocked or never started: the probe can.
  let refusal: PostRefusal | null;
  try {
    refusal = await probeChat(bot.telegram, String(chat.id), chat.is_forum ? topicId : undefined);
  } catch (err) {
    throw telegramFailure(err, `check ${label}`, s.settings.telegramApiRoot);
  }
  if (refusal?.newChatId !== undefined) {
    s.ctx.out.warn(s.t('setup.chat.migrated', { chat: chatId, newId: refusal.newChatId }));
    return checkChat(s, bot, String(refusal.newChatId), topicId);
  }
  if (refusal) throw new UserError(s.t('setup.chat.refused', { bot: bot.handle, label, reason: refusal.reason }), refusal.fix);
  if (topicId !== undefined && chat.type !== 'supergroup') {
    s.ctx.out.warn(s.t('setup.chat.notForum', { label }));
  }
  return { chat, chatId: String(chat.id) };
}

export async function askChat(s: Session, bot: BotAnswer): Promise<ChatAnswer> {
  const { ctx } = s;
  const given = s.settings.chatId;
  if (given) {
    const topicId = s.settings.topicId;
    try {
      const { chat, chatId } = await checkChat(s, bot, given, topicId);
      const label = chatLabel(chat, topicId, undefined, s.t);
      // A re-run may change the chat by answering again (a resumed run keeps it: nothing is asked).
      const keep =
        !s.interactive || s.sources.chatId !== 'file' || s.resumed === true ||
        (await ctx.prompts.confirm({ message: s.t('setup.q.keepChat', { label }), default: true }));
      if (keep) {
        ctx.out.ok(s.t('setup.chat', { label }));
        return finish(chatId, topicId, chat, label);
      }
    } catch (err) {
      if (!s.interactive) throw err;
      ctx.out.warn(`${(err as Error).message} ${(err as UserError).hint ?? ''}`.trim());
      ctx.out.info(s.t('setup.chat.findInstead'));
    }
  }
  if (!s.interactive) throw missingAnswer(s, flagAndEnv('chatId'), 'the chat that receives alerts');

  const waitMs = s.flags.chatWaitMs ?? DEFAULT_CHAT_WAIT_MS;
  let webhookDeleted: string | undefined;
  const found: FoundChat[] = [];
  type Pick = { kind: 'chat'; f: FoundChat } | { kind: 'wait' } | { kind: 'type' } | { kind: 'give-up' };
  let pick: Pick = { kind: 'wait' };
  for (;;) {
    if (pick.kind === 'wait') {
      ctx.out.info(s.t('setup.q.sendStart', { bot: bot.handle }));
      const outcome = await poll(s, bot, waitMs, found);
      if (outcome.kind === 'conflict') {
        const { next, deleted } = await handleConflict(s, bot, outcome.err);
        if (deleted) webhookDeleted = deleted;
        pick = { kind: next === 'retry' ? 'wait' : 'type' };
        continue;
      }
      if (outcome.kind === 'found') {
        found.push(...outcome.chats);
        ctx.out.ok(outcome.chats.length === 1 ? s.t('setup.chat.foundOne') : s.t('setup.chat.foundMany', { n: outcome.chats.length }));
      } else if (found.length === 0) {
        ctx.out.warn(s.t('setup.chat.noMessage', { bot: bot.handle, seconds: Math.round(waitMs / 1000) }));
      }
      const choices: { name: string; value: Pick }[] = found.map((f) => ({
        name: chatLabel(f.chat, f.topicId, f.topicName, s.t),
        value: { kind: 'chat', f },
      }));
      choices.push({ name: s.t('setup.q.waitAnother'), value: { kind: 'wait' } });
      choices.push({ name: s.t('setup.q.typeChat'), value: { kind: 'type' } });
      if (found.length === 0) choices.push({ name: s.t('setup.q.giveUp'), value: { kind: 'give-up' } });
      pick = await ctx.prompts.select<Pick>({
        message: found.length > 0 ? s.t('setup.q.whichChat') : s.t('setup.q.noChatYet'),
        choices,
      });
      continue;
    }
    if (pick.kind === 'give-up') {
      throw new UserError(
        found.length === 0 ? `No chat found: nothing was sent to ${bot.handle} in time.` : 'No chat was chosen.',
        `Send /start to ${bot.handle} (or /start${bot.handle} in a group) and run setup again, or pass --chat-id.`,
      );
    }
    const current: Pick = pick;
    const chosen = current.kind === 'chat' ? { chatId: String(current.f.chat.id), topicId: current.f.topicId } : await typeChat(s, bot);
    try {
      const { chat, chatId } = await checkChat(s, bot, chosen.chatId, chosen.topicId);
      const label = chatLabel(chat, chosen.topicId, current.kind === 'chat' ? current.f.topicName : undefined, s.t);
      ctx.out.ok(s.t('setup.chat', { label }));
      const answer = finish(chatId, chosen.topicId, chat, label, webhookDeleted);
      const users = current.kind === 'chat' ? found.filter((f) => f.chat.id === current.f.chat.id).flatMap((f) => f.users ?? []) : [];
      const unique = users.filter((u, i) => users.findIndex((x) => x.id === u.id) === i);
      if (unique.length > 0) answer.users = unique;
      return answer;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      ctx.out.warn(`${err.message}${err.hint ? ` ${err.hint}` : ''}`);
      pick = await ctx.prompts.select<Pick>({
        message: s.t('setup.q.otherChat'),
        choices: [
          ...found.map((f) => ({ name: chatLabel(f.chat, f.topicId, f.topicName, s.t), value: { kind: 'chat', f } as Pick })),
          { name: s.t('setup.q.waitAnother'), value: { kind: 'wait' } },
          { name: s.t('setup.q.typeChat'), value: { kind: 'type' } },
          { name: s.t('setup.q.giveUp'), value: { kind: 'give-up' } },
        ],
      });
    }
  }
}

function finish(chatId: string, topicId: number | undefined, chat: TgChat, label: string, webhookDeleted?: string): ChatAnswer {
  const answer: ChatAnswer = { chatId, label, chat };
  if (topicId !== undefined) answer.topicId = topicId;
  if (webhookDeleted) answer.webhookDeleted = webhookDeleted;
  return answer;
}

