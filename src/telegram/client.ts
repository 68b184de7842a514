// A thin Bot API client: one POST per method, errors thrown as TelegramApiError or
// TelegramNetworkError. The token is part of every URL, so nothing built from a URL leaves this
// module unredacted. What a failure means for delivery is decided in deliver/, not here.
import { TelegramApiError, TelegramNetworkError } from './errors.js';
import type { EditParams, ReplyMarkup, SendParams, TgChat, TgMessage, TgUpdate, TgUser } from './types.js';

export interface TelegramOptions {
  apiRoot: string;
  token: string;
  fetch?: typeof fetch;
  /** Per request; getUpdates adds its own long-poll timeout on top. */
  timeoutMs?: number;
  /** Told how every call ended (metrics); the client itself keeps no counts. */
  onCall?: CallObserver;
}

/** How a call ended: answered ok, refused (by HTTP class, 429 apart), or no answer at all. */
export type CallResult = 'ok' | '429' | '4xx' | '5xx' | 'network';
export type CallObserver = (method: string, result: CallResult, retryAfterSeconds: number | undefined) => void;

export function callResult(err: unknown): CallResult {
  const status = err instanceof TelegramApiError ? err.code : err instanceof TelegramNetworkError ? err.httpStatus : undefined;
  if (status === undefined) return 'network';
  return status === 429 ? '429' : status >= 500 ? '5xx' : status >= 400 ? '4xx' : 'network';
}

export type Telegram = ReturnType<typeof createTelegram>;

export function createTelegram(opts: TelegramOptions) {
  const doFetch = opts.fetch ?? fetch;
  const root = opts.apiRoot.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;

  /** `signal` lets the caller give up early (a long poll at shutdown). */
  async function call<T>(method: string, params: object = {}, extraTimeoutMs = 0, signal?: AbortSignal): Promise<T> {
    const observe = opts.onCall;
    if (!observe) return request<T>(method, params, extraTimeoutMs, signal);
    try {
      const result = await request<T>(method, params, extraTimeoutMs, signal);
      observe(method, 'ok', undefined);
      return result;
    } catch (err) {
      observe(method, callResult(err), err instanceof TelegramApiError ? err.retryAfterSeconds : undefined);
      throw err;
    }
  }

  async function request<T>(method: string, params: object, extraTimeoutMs: number, signal: AbortSignal | undefined): Promise<T> {
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
        throw new TelegramNetworkError(method, `HTTP ${res.status} with a non-JSON body`, false, res.status);
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
    /** Without `languageCode`, for every user the per-language lists do not cover. */
    setMyCommands: (commands: { command: string; description: string }[], languageCode?: string) =>
      call<true>('setMyCommands', { commands, ...(languageCode ? { language_code: languageCode } : {}) }),
  };
}
