// Telegram's reachability for /health, /status and the metrics: only a call Telegram never
// answered counts against it.
import { describe, expect, it } from 'vitest';
import { TelegramApiError, TelegramNetworkError } from '../../src/telegram/errors.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';

const T = Date.UTC(2026, 11, 2, 14, 2);

describe('reachability', () => {
  it('nothing known yet: reachable is null', () => {
    expect(createTelegramStatus().snapshot().reachable).toBeNull();
  });

  it.each([
    ['a network error', new TelegramNetworkError('sendMessage', 'ECONNRESET', false)],
    ['a timeout', new TelegramNetworkError('sendMessage', 'timed out', true)],
    ['a 502', new TelegramApiError('sendMessage', 502, 'Bad Gateway', undefined)],
  ])('%s after a success: unreachable, with the reason', (_name, err) => {
    const status = createTelegramStatus();
    status.ok(T);
    status.noteFailure(T + 1000, err);
    expect(status.snapshot()).toMatchObject({ reachable: false, failuresInARow: 1, lastError: { message: err.message } });
    status.ok(T + 2000);
    expect(status.snapshot()).toMatchObject({ reachable: true, failuresInARow: 0 });
  });

  it.each([
    ['chat not found', new TelegramApiError('sendMessage', 400, 'Bad Request: chat not found', undefined)],
    ['bot blocked', new TelegramApiError('sendMessage', 403, 'Forbidden: bot was blocked by the user', undefined)],
    ['429', new TelegramApiError('sendMessage', 429, 'Too Many Requests: retry after 5', { retry_after: 5 })],
  ])('%s is an answer: reachable after an outage', (_name, err) => {
    const status = createTelegramStatus();
    status.noteFailure(T, new TelegramNetworkError('sendMessage', 'ECONNREFUSED', false));
    expect(status.snapshot().reachable).toBe(false);
    status.noteFailure(T + 1000, err);
    expect(status.snapshot()).toMatchObject({ reachable: true, failuresInARow: 0, lastError: { kind: `answered ${err.code}` } });
  });

  it('an error that is not Telegram\'s (the disk is full) changes nothing', () => {
    const status = createTelegramStatus();
    status.ok(T);
    const before = status.snapshot();
    status.noteFailure(T + 1000, Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(status.snapshot()).toEqual(before);
  });
});
