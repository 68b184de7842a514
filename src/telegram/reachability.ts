// What we last learned about Telegram, for /health and /status: no extra API calls needed.
import { TelegramApiError, TelegramNetworkError } from './errors.js';

export type TelegramStatus = ReturnType<typeof createTelegramStatus>;

export function createTelegramStatus() {
  let lastOkAt: number | null = null;
  let lastError: { at: number; message: string; kind: string } | null = null;
  let failuresInARow = 0;
  let bot: string | null = null;
  return {
    ok(at: number): void {
      lastOkAt = at;
      failuresInARow = 0;
    },
    /**
     * A call failed: only a call Telegram never answered (network, timeout, 5xx) says it is
     * unreachable. A 4xx is an answer ("chat not found" says the chat is wrong, not Telegram), and
     * an error that is not Telegram's (the disk, our own bug) says nothing about it.
     */
    noteFailure(at: number, err: unknown): void {
      if (err instanceof TelegramApiError && err.code < 500) {
        lastOkAt = at;
        failuresInARow = 0;
        lastError = { at, message: err.message, kind: `answered ${err.code}` };
      } else if (err instanceof TelegramNetworkError || err instanceof TelegramApiError) {
        lastError = { at, message: err.message, kind: err instanceof TelegramApiError ? `answered ${err.code}` : 'network' };
        failuresInARow += 1;
      }
    },
    setBot(username: string): void {
      bot = username;
    },
    snapshot() {
      return {
        bot,
        reachable: failuresInARow === 0 ? lastOkAt !== null || null : false,
        lastOkAt: lastOkAt === null ? null : new Date(lastOkAt).toISOString(),
        lastError: lastError ? { ...lastError, at: new Date(lastError.at).toISOString() } : null,
        failuresInARow,
      };
    },
  };
}
