// What we last learned about Telegram, for /health and /status: no extra API calls needed.
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
    failed(at: number, message: string, kind: string): void {
      // 429s and edits of deleted messages mean Telegram answered: it is reachable.
      if (kind === 'retry-after' || kind === 'edit-target-gone' || kind === 'migrated' || kind === 'thread-gone') {
        lastOkAt = at;
        return;
      }
      lastError = { at, message, kind };
      failuresInARow += 1;
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
