// The two ways a Bot API call fails, as in grammY: Telegram answered with an error
// (TelegramApiError), or the request never completed (TelegramNetworkError). Messages are
// redacted: a description may echo the URL, and the URL carries the token.
import { redact } from '../log/redact.js';

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
    /** The HTTP status when something other than the Bot API answered (a proxy's 502 page). */
    readonly httpStatus?: number,
  ) {
    super(`Telegram ${method} did not complete: ${redact(reason)}`);
    this.name = 'TelegramNetworkError';
  }
}
