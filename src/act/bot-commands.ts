// Bot commands: /chatid, /status, /mute, /unmute, /help. Parsing (command-parse.ts) and the
// answers' text are pure functions; the handler checks who asks, reads or writes the store and
// replies. Commands are answered in the configured alert chat, or to allow-listed users
// anywhere; everyone else is ignored without a word (a bot that answers strangers tells them
// it exists).
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { TgChat, TgMessage } from '../telegram/types.js';
import type { Logger } from '../log/logger.js';
import type { Alert } from '../normalise/alert.js';
import { messages, type Locale } from '../i18n/index.js';
import { escapeHtml } from '../render/template.js';
import type { AsyncStore } from '../store/async-store.js';
import { botCommands, parseCommand, type IssueRef, parseMute, parseUnmute } from './command-parse.js';
import type { UpdatesState } from './updates.js';

export function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function chatIdText(msg: Pick<TgMessage, 'chat' | 'from' | 'message_thread_id' | 'is_topic_message'>, locale: Locale = 'en'): string {
  const t = messages(locale);
  const lines = [t.chatId(String(msg.chat.id))];
  if (msg.is_topic_message && msg.message_thread_id !== undefined) lines.push(t.topicId(String(msg.message_thread_id)));
  else if (msg.chat.is_forum) lines.push(t.topicGeneral);
  if (msg.from) lines.push(t.yourUserId(String(msg.from.id)));
  return lines.join('\n');
}

export interface StatusView {
  version: string;
  health: 'ok' | 'degraded';
  pending: number;
  oldestPendingAt: number | null;
  lastDeliveredAt: number | null;
  undeliverable: number;
  lastUndeliverableReason: string | null;
  muted: number;
  /** Alerts no route matched (no default chat), since start: /health's `unrouted`. */
  unrouted: number;
  /** Org-wide webhooks of projects this receiver does not post, since start: /health's `outOfScope`. */
  outOfScope: number;
  mutes: { label: string; until: number }[];
  telegramReachable: boolean | null;
  updates: UpdatesState;
  /** null: buttons are on; otherwise why they are off. */
  buttonsOff: string | null;
}

// The reasons in /status (why buttons are off, why an alert was parked) are the receiver's
// log vocabulary and stay in English; the words around them follow the locale.
export function statusText(v: StatusView, locale: Locale = 'en'): string {
  const t = messages(locale);
  const lines = [
    `<b>sentry-tg ${escapeHtml(v.version)}</b> · ${v.health === 'ok' ? t.healthOk : t.healthDegraded}`,
    t.statusWaiting(v.pending, v.oldestPendingAt !== null ? when(v.oldestPendingAt) : null),
    t.statusLastDelivery(v.lastDeliveredAt !== null ? when(v.lastDeliveredAt) : null),
    t.statusUndeliverable(v.undeliverable, v.lastUndeliverableReason ? escapeHtml(v.lastUndeliverableReason) : null),
    t.statusMuted(v.muted),
    t.statusNotPosted(v.unrouted, v.outOfScope),
  ];
  if (v.mutes.length) {
    lines.push(t.statusActiveMutes(v.mutes.map((m) => t.statusMuteUntil(escapeHtml(m.label), when(m.until))).join(', ')));
  }
  lines.push(t.statusTelegram(v.telegramReachable !== false));
  lines.push(t.statusButtons(v.buttonsOff === null ? null : escapeHtml(v.buttonsOff)));
  return lines.join('\n');
}

export function helpText(buttonsOff: string | null, locale: Locale = 'en'): string {
  const t = messages(locale);
  return [
    t.helpIntro,
    '',
    ...botCommands(locale).map((c) => `/${c.command} — ${escapeHtml(c.description)}`),
    '',
    buttonsOff === null ? t.helpButtonsOn : t.helpButtonsOff(escapeHtml(buttonsOff)),
  ].join('\n');
}

// ---- the handler ------------------------------------------------------------------------------

export interface CommandDeps {
  /** Answers go out in the chat's paced turn, like alerts, so they cannot cause a 429. */
  dispatcher: Pick<Dispatcher, 'say'>;
  store: Pick<AsyncStore, 'addMute' | 'removeMutes' | 'issueForShortId' | 'mutedSince' | 'migratedTo' | 'message' | 'activeMute'>;
  /** The configured alert chat (SENTRY_ALERT_CHAT_ID, or the first routed chat). */
  chatId: string;
  /** Every chat alerts go to (the routes and the default); default: [chatId]. Others are ignored. */
  chatIds?: readonly string[];
  allowedUsers: readonly number[];
  botUsername: () => string | null;
  status: () => StatusView | Promise<StatusView>;
  buttonsOff: string | null;
  logger: Logger;
  now: () => number;
  /** The language of answers in a private chat with the bot; English when absent. */
  locale?: Locale;
  /** The language of answers in an alert chat (its route's locale); default: `locale`. */
  localeOf?: (chatId: string) => Locale | Promise<Locale>;
}

export function createCommandHandler(deps: CommandDeps) {
  const { dispatcher, store, logger } = deps;
  const fallback = deps.locale ?? 'en';
  const alertChats = [...new Set([deps.chatId, ...(deps.chatIds ?? [])])];

  /** The configured chat id this chat is known by (`-100…`, or `@name`), or null. */
  async function configuredAs(chat: TgChat): Promise<string | null> {
    const ids = (await Promise.all(alertChats.map(async (c) => [c, await store.migratedTo(c)]))).flat().filter((c): c is string => Boolean(c));
    return (
      ids.find((c) => c === String(chat.id) || (chat.username !== undefined && c.toLowerCase() === `@${chat.username.toLowerCase()}`)) ??
      null
    );
  }

  /**
   * Queues the answer for the chat's paced turn and returns at once: the update loop handles
   * one update at a time, and a button press behind a burst of commands must not wait for them.
   */
  async function reply(msg: TgMessage, html: string): Promise<void> {
    // The alert chat is paced under the id alerts use (which may be `@name`).
    const chatId = (await configuredAs(msg.chat)) ?? String(msg.chat.id);
    void dispatcher
      .say(chatId, {
        text: html,
        parse_mode: 'HTML',
        ...(msg.is_topic_message && msg.message_thread_id !== undefined ? { message_thread_id: msg.message_thread_id } : {}),
        reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true },
        link_preview_options: { is_disabled: true },
      })
      .then((outcome) => {
        if (outcome !== 'sent') logger.info({ chatId, outcome }, 'a command was not answered');
      });
  }

  /** The issue of the alert a command replies to. */
  async function repliedIssue(msg: TgMessage, chatId: string, locale: Locale): Promise<IssueRef | null> {
    const target = msg.reply_to_message;
    if (!target) return null;
    const row = await store.message(chatId, target.message_id);
    if (!row?.issueId) return null;
    let shortId: string | null = null;
    try {
      shortId = (JSON.parse(row.content ?? '{}') as { alert?: Alert }).alert?.shortId ?? null;
    } catch {
      shortId = null;
    }
    return { issueId: row.issueId, shortId, label: shortId ?? messages(locale).issueLabel(row.issueId) };
  }

  /** A short id is tied to an issue id through the messages this chat got. */
  async function resolve(ref: IssueRef, chatId: string): Promise<IssueRef> {
    if (ref.issueId !== null || ref.shortId === null) return ref;
    return { ...ref, issueId: await store.issueForShortId(chatId, ref.shortId) };
  }

  async function mute(msg: TgMessage, args: string[], chatId: string, locale: Locale): Promise<void> {
    const t = messages(locale);
    const parsed = parseMute(args, await repliedIssue(msg, chatId, locale), locale);
    // parseMute's only error is the usage line.
    if ('error' in parsed) return reply(msg, escapeHtml(t.muteUsage));
    const ref = await resolve(parsed.ref, chatId);
    const at = deps.now();
    const until = at + parsed.duration.ms;
    await store.addMute({
      chatId,
      issueId: ref.issueId,
      shortId: ref.shortId,
      label: ref.label,
      until,
      createdBy: msg.from ? String(msg.from.id) : null,
      createdAt: at,
    });
    logger.info({ chatId, issueId: ref.issueId, shortId: ref.shortId, until: new Date(until).toISOString() }, 'issue muted');
    const caveat = ref.issueId === null ? `\n${t.mutedUnknownIssue(escapeHtml(ref.label))}` : '';
    const where = (await configuredAs(msg.chat)) ? t.thisChat : t.theAlertChat;
    return reply(
      msg,
      t.muted(escapeHtml(ref.label), where, parsed.duration.text, when(until), escapeHtml(ref.shortId ?? ref.issueId ?? '')) + caveat,
    );
  }

  async function unmute(msg: TgMessage, args: string[], chatId: string, locale: Locale): Promise<void> {
    const t = messages(locale);
    const parsed = parseUnmute(args, await repliedIssue(msg, chatId, locale), locale);
    // parseUnmute's only error is the usage line.
    if ('error' in parsed) return reply(msg, escapeHtml(t.unmuteUsage));
    const ref = await resolve(parsed, chatId);
    const at = deps.now();
    const active = await store.activeMute(chatId, ref.issueId, ref.shortId, at);
    const removed = await store.removeMutes(chatId, ref.issueId, ref.shortId);
    if (removed === 0) return reply(msg, t.notMuted(escapeHtml(ref.label)));
    const held = active && ref.issueId !== null ? await store.mutedSince(chatId, `issue:${ref.issueId}`, active.createdAt) : 0;
    logger.info({ chatId, issueId: ref.issueId, shortId: ref.shortId }, 'issue unmuted');
    return reply(msg, t.unmuted(escapeHtml(ref.label), held));
  }

  return async function handleMessage(msg: TgMessage): Promise<void> {
    const cmd = parseCommand(msg.text, deps.botUsername());
    if (!cmd) return;
    const configured = await configuredAs(msg.chat);
    const allowed = msg.from !== undefined && deps.allowedUsers.includes(msg.from.id);
    if (!configured && !allowed) {
      logger.debug({ chatId: msg.chat.id, userId: msg.from?.id, command: cmd.name }, 'command from outside the alert chat ignored');
      return;
    }
    // Mutes apply to the chat they are typed in; in a private chat with the bot, to the alert chat.
    const muteChat = configured ?? (await store.migratedTo(deps.chatId)) ?? deps.chatId;
    // Answers follow the chat's route locale; a private chat with the bot gets the global one.
    const locale = configured && deps.localeOf ? await deps.localeOf(configured) : fallback;
    const t = messages(locale);
    switch (cmd.name) {
      case 'chatid':
        return reply(msg, chatIdText(msg, locale));
      case 'status':
        return reply(msg, statusText(await deps.status(), locale));
      case 'mute':
      case 'unmute':
        if (!allowed) return reply(msg, t.muteOnlyAllowed);
        return cmd.name === 'mute' ? mute(msg, cmd.args, muteChat, locale) : unmute(msg, cmd.args, muteChat, locale);
      case 'help':
        return reply(msg, helpText(deps.buttonsOff, locale));
      default:
        // Including /start: it is how `setup` finds the chat, and setup answers it itself.
        return undefined;
    }
  };
}
