import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { redact, registerSecret } from '../../src/log/redact.js';
import { tempDir } from '../helpers.js';

const TOKEN_A = '111111:FAKE-token-from-the-env-file-aaaaaaaa';
const TOKEN_B = '222222:FAKE-token-from-the-environment-bbbbb';
const TOKEN_C = '333333:FAKE-token-from-a-command-flag-cccccc';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => dir?.cleanup());

function envFile(content: string): string {
  dir = tempDir();
  const path = join(dir.path, '.env');
  writeFileSync(path, content);
  return path;
}

describe('loadSettings', () => {
  it('takes .env, then the environment, then flags, in rising precedence', () => {
    const path = envFile(`SENTRY_ALERT_TELEGRAM_TOKEN=${TOKEN_A}\nSENTRY_ALERT_CHAT_ID=-1001\nPORT=9000\n`);
    const fileOnly = loadSettings({ envFile: { path, explicit: false }, env: {}, flags: {} });
    expect(fileOnly.settings).toMatchObject({ telegramToken: TOKEN_A, chatId: '-1001', port: 9000, host: '127.0.0.1' });
    expect(fileOnly.sources).toMatchObject({ telegramToken: 'file', host: 'default' });

    const withEnv = loadSettings({ envFile: { path, explicit: false }, env: { SENTRY_ALERT_TELEGRAM_TOKEN: TOKEN_B }, flags: {} });
    expect(withEnv.settings.telegramToken).toBe(TOKEN_B);

    const withFlag = loadSettings({
      envFile: { path, explicit: false },
      env: { SENTRY_ALERT_TELEGRAM_TOKEN: TOKEN_B },
      flags: { telegramToken: TOKEN_C, port: '8100' },
    });
    expect(withFlag.settings).toMatchObject({ telegramToken: TOKEN_C, port: 8100 });
    expect(withFlag.sources).toMatchObject({ telegramToken: 'flag', port: 'flag' });
  });

  it('reports every problem at once and never echoes a secret', () => {
    const run = () =>
      loadSettings({
        envFile: { path: '/nonexistent/.env', explicit: true },
        env: { SENTRY_ALERT_TELEGRAM_TOKEN: 'not-a-token-secret-value', PORT: '99999', SENTRY_URL: 'ftp://x' },
        flags: { chatId: 'general' },
        required: ['telegramToken', 'chatId', 'webhookSecret'],
      });
    expect(run).toThrow(ConfigError);
    let message = '';
    try {
      run();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('env file /nonexistent/.env does not exist');
    expect(message).toContain('SENTRY_ALERT_TELEGRAM_TOKEN does not look like a bot token');
    expect(message).toContain('PORT must be a whole number from 0 to 65535');
    expect(message).toContain('SENTRY_URL must be an http(s) URL');
    expect(message).toContain('--chat-id must be a chat id');
    expect(message).toContain('SENTRY_WEBHOOK_SECRET is not set');
    expect(message).not.toContain('not-a-token-secret-value');
  });

  it('accepts a t.me/c link as a chat id and a missing default .env', () => {
    const { settings } = loadSettings({ envFile: { path: '/nonexistent/.env', explicit: false }, env: {}, flags: { chatId: 'https://t.me/c/1234567890/55' } });
    expect(settings.chatId).toBe('-1001234567890');
  });
});

describe('redaction', () => {
  it('masks bot tokens in Telegram URLs and registered secrets', () => {
    registerSecret('my-webhook-secret-value-123');
    expect(redact(`GET https://api.telegram.org/bot${TOKEN_A}/getMe`)).toBe('GET https://api.telegram.org/bot<redacted>/getMe');
    expect(redact('secret=my-webhook-secret-value-123;')).toBe('secret=<redacted>;');
  });

  it('no log line carries a token, whatever field it hides in', () => {
    let out = '';
    const stream = new Writable({ write: (c, _e, d) => ((out += String(c)), d()) });
    const logger = createLogger({ pretty: false, stream });
    logger.error({ err: new Error(`request to https://api.telegram.org/bot${TOKEN_B}/sendMessage failed`) }, 'boom');
    logger.info({ url: `http://x/bot${TOKEN_C}/getUpdates`, token: TOKEN_A }, `calling bot${TOKEN_C}`);
    expect(out).toContain('boom');
    expect(out).not.toMatch(/FAKE-token/);
    expect(out).toContain('bot<redacted>');
  });
});
