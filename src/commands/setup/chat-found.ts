// What chat discovery found in the bot's updates: chats, forum topics (with their names when
// an update carried them) and the people who wrote. Pure.
import { cliText, type CliText } from '../../i18n/cli.js';
import type { TgChat, TgMessage, TgUpdate } from '../../telegram/types.js';

export interface ChatAnswer {
  chatId: string;
  topicId?: number;
  /** For people: `group "Ops" (-100…), topic "Alerts" (7)`. */
  label: string;
  /** The chat as Telegram describes it (getChat). */
  chat: TgChat;
  /** We deleted the bot's Telegram webhook to read updates (with the user's consent). */
  webhookDeleted?: string;
  /** People seen writing in this chat during discovery: candidates for the action buttons. */
  users?: SeenUser[];
}

export interface SeenUser {
  id: number;
  name: string;
}

/** A chat or topic seen in the updates. */
export interface FoundChat {
  chat: TgChat;
  topicId?: number;
  topicName?: string;
  users?: SeenUser[];
}

export function chatLabel(
  chat: Pick<TgChat, 'id' | 'type' | 'title' | 'username' | 'first_name'>,
  topicId?: number,
  topicName?: string,
  t: CliText = cliText('en'),
): string {
  const who =
    chat.type === 'private'
      ? t('setup.label.private', { name: chat.first_name ?? t('setup.label.someone'), username: chat.username ? ` (@${chat.username})` : '' })
      : t(chat.type === 'channel' ? 'setup.label.channel' : 'setup.label.group', { title: chat.title ?? chat.username ?? chat.id });
  const topic = topicId === undefined ? '' : t('setup.label.topic', { name: topicName ? `"${topicName}" ` : '', id: topicId });
  return `${who} (${chat.id})${topic}`;
}

/** Chats and forum topics found in updates, in the order first seen; pure. */
export function chatsFromUpdates(updates: readonly TgUpdate[]): FoundChat[] {
  const found = new Map<string, FoundChat>();
  const topicNames = new Map<string, string>();
  const add = (f: FoundChat) => {
    const key = `${f.chat.id}/${f.topicId ?? ''}`;
    const had = found.get(key);
    if (!had) found.set(key, f);
    else {
      if (f.topicName && !had.topicName) had.topicName = f.topicName;
      for (const u of f.users ?? []) if (!had.users?.some((x) => x.id === u.id)) (had.users ??= []).push(u);
    }
  };
  const fromMessage = (m: TgMessage | undefined) => {
    if (!m?.chat) return;
    if (m.forum_topic_created && m.message_thread_id !== undefined) {
      topicNames.set(`${m.chat.id}/${m.message_thread_id}`, m.forum_topic_created.name);
    }
    const created = m.reply_to_message?.forum_topic_created;
    if (created && m.message_thread_id !== undefined) topicNames.set(`${m.chat.id}/${m.message_thread_id}`, created.name);
    const from = m.from && !m.from.is_bot ? [{ id: m.from.id, name: [m.from.first_name, m.from.username ? `(@${m.from.username})` : ''].filter(Boolean).join(' ') }] : [];
    add({ chat: m.chat, users: [...from] });
    // In forums only topic messages carry a real topic id; elsewhere it is a reply thread.
    if (m.message_thread_id !== undefined && (m.is_topic_message || m.forum_topic_created) && m.chat.is_forum !== false) {
      const name = topicNames.get(`${m.chat.id}/${m.message_thread_id}`);
      add({ chat: m.chat, topicId: m.message_thread_id, users: [...from], ...(name ? { topicName: name } : {}) });
    }
  };
  for (const u of updates) {
    const raw = u as TgUpdate & { edited_message?: TgMessage; edited_channel_post?: TgMessage };
    fromMessage(raw.message);
    fromMessage(raw.edited_message);
    fromMessage(raw.channel_post);
    fromMessage(raw.edited_channel_post);
    fromMessage(raw.callback_query?.message);
    const member = raw.my_chat_member;
    if (member && !['left', 'kicked'].includes(member.new_chat_member.status) && member.chat) {
      add({ chat: member.chat });
    }
  }
  for (const f of found.values()) {
    if (f.topicId !== undefined && !f.topicName) {
      const name = topicNames.get(`${f.chat.id}/${f.topicId}`);
      if (name) f.topicName = name;
    }
  }
  return [...found.values()];
}
