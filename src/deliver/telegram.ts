// A thin Bot API client. Two error types, as in grammY: Telegram answered with an error
// (TelegramApiError), or the request never completed (TelegramNetworkError). The token is
// part of every URL, so nothing built from a URL leaves this module unredacted.
import { redact } from '../log/redact.js';

export interface TelegramOptions {
  apiRoot: string;
  token: string;
  fetch?: typeof fetch;
  /** Per request; getUpdates adds its own long-poll timeout on top. */
  timeoutMs?: number;
}

export class TelegramApiError extends Error {
  readonly retryAfterSeconds: number | undefined;
  readonly migrateToChatId: number | undefined;
  constructor(
    readonly method: string,
    readonly code: number,
    readonly description: string,
    parameters: { retry_after?: number; migrate_to_chat_id?: number } | undefined,
  ) {
    super(`Telegram ${method} failed: ${code} ${redact(description)}`);
    this.name = 'TelegramApiError';
    this.retryAfterSeconds = parameters?.retry_after;
    this.migrateToChatId = parameters?.migrate_to_chat_id;
  }
}

export class TelegramNetworkError extends Error {
  constructor(
    readonly method: string,
    reason: string,
    readonly timedOut: boolean,
  ) {
    super(`Telegram ${method} did not complete: ${redact(reason)}`);
    this.name = 'TelegramNetworkError';
  }
}

export interface InlineButton {
  text: string;
  url?: string;
  callback_data?: string;
}
export interface ReplyMarkup {
  inline_keyboard: InlineButton[][];
}

export interface SendParams {
  chat_id: string | number;
  text: string;
  parse_mode?: 'HTML';
  message_thread_id?: number;
  reply_markup?: ReplyMarkup;
  reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean };
  link_preview_options?: { is_disabled: boolean };
  disable_notification?: boolean;
}

export interface EditParams {
  chat_id: string | number;
  message_id: number;
  text: string;
  parse_mode?: 'HTML';
  reply_markup?: ReplyMarkup;
  link_preview_options?: { is_disabled: boolean };
}

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}
export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
  is_forum?: boolean;
}
export interface TgMessage {
  message_id: number;
  message_thread_id?: number;
  is_topic_message?: boolean;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  date: number;
  forum_topic_created?: { name: string };
  reply_to_message?: TgMessage;
}
export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  data?: string;
}
export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  channel_post?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: { chat: TgChat; from: TgUser; new_chat_member: { status: string } };
}

export type Telegram = ReturnType<typeof createTelegram>;

export function createTelegram(opts: TelegramOptions) {
  const doFetch = opts.fetch ?? fetch;
  const root = opts.apiRoot.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;

  /** `signal` lets the caller give up early (a long poll at shutdown). */
  async function call<T>(method: string, params: object = {}, extraTimeoutMs = 0, signal?: AbortSignal): Promise<T> {
    let res: Response;
    let bodyText: string;
    try {
      res = await doFetch(`${root}/bot${opts.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        signal: signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs + extraTimeoutMs), signal]) : AbortSignal.timeout(timeoutMs + extraTimeoutMs),
      });
      bodyText = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      const reason = timedOut
        ? `no answer within ${timeoutMs + extraTimeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new TelegramNetworkError(method, reason, timedOut);
    }
    let body: { ok?: boolean; result?: T; error_code?: number; description?: string; parameters?: object };
    try {
      body = JSON.parse(bodyText) as typeof body;
    } catch {
      // A proxy or load balancer answered instead of the Bot API: treat 5xx as transient.
      if (res.status >= 500 || res.status === 429) {
        throw new TelegramNetworkError(method, `HTTP ${res.status} with a non-JSON body`, false);
      }
      throw new TelegramApiError(method, res.status, `HTTP ${res.status} with a non-JSON body`, undefined);
    }
    if (body.ok === true) return body.result as T;
    throw new TelegramApiError(
      method,
      body.error_code ?? res.status,
      body.description ?? `HTTP ${res.status}`,
      body.parameters as { retry_after?: number; migrate_to_chat_id?: number } | undefined,
    );
  }

  return {
    call,
    getMe: () => call<TgUser>('getMe'),
    sendMessage: (p: SendParams) => call<TgMessage>('sendMessage', p),
    editMessageText: (p: EditParams) => call<TgMessage | true>('editMessageText', p),
    editMessageReplyMarkup: (p: { chat_id: string | number; message_id: number; reply_markup?: ReplyMarkup }) =>
      call<TgMessage | true>('editMessageReplyMarkup', p),
    answerCallbackQuery: (p: { callback_query_id: string; text?: string; show_alert?: boolean }) =>
      call<true>('answerCallbackQuery', p),
    getUpdates: (p: { offset?: number; timeout?: number; limit?: number; allowed_updates?: string[] }, signal?: AbortSignal) =>
      call<TgUpdate[]>('getUpdates', p, (p.timeout ?? 0) * 1000, signal),
    getChat: (chatId: string | number) => call<TgChat>('getChat', { chat_id: chatId }),
    getChatMember: (chatId: string | number, userId: number) =>
      call<{ status: string; can_send_messages?: boolean; can_post_messages?: boolean }>('getChatMember', {
        chat_id: chatId,
        user_id: userId,
      }),
    getWebhookInfo: () => call<{ url: string }>('getWebhookInfo'),
    deleteWebhook: () => call<true>('deleteWebhook', { drop_pending_updates: false }),
    setMyCommands: (commands: { command: string; description: string }[]) =>
      call<true>('setMyCommands', { commands }),
  };
}

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

/** One line telling the user what to do about a Telegram error. */
export function telegramHint(err: TelegramApiError): string {
  const d = err.description.toLowerCase();
  if (err.code === 401) return 'The bot token is wrong or revoked: get a new one from @BotFather.';
  if (d.includes('chat not found'))
    return 'Check SENTRY_ALERT_CHAT_ID; add the bot to the chat and send /start to it first.';
  if (d.includes('blocked by the user')) return 'The user blocked the bot: unblock it and send /start.';
  if (d.includes('kicked')) return 'The bot was removed from the chat: add it back.';
  if (d.includes('not a member')) return 'Add the bot to the chat (channels: as an administrator).';
  if (d.includes('not enough rights') || d.includes('administrator rights'))
    return 'Allow the bot to send messages in this chat (make it an administrator in channels).';
  if (d.includes('message is too long')) return 'The message was too long; this is a bug in sentry-tg, please report it.';
  if (d.includes('button_data_invalid')) return 'A button was too large; this is a bug in sentry-tg, please report it.';
  if (err.code === 409) return 'Another program reads this bot\'s updates (or a webhook is set): stop it or run deleteWebhook.';
  return 'See the Telegram error above.';
}
