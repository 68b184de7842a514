// The pieces around the metrics listener: SENTRY_TG_METRICS_ADDR's parsing, and how the Telegram
// client tells its observer each call's result (against the fake Bot API's real error answers).
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { resourceLabel } from '../../src/metrics/metrics.js';
import { createTelegram, type CallResult } from '../../src/telegram/client.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

const load = (raw: string) => loadSettings({ envFile: { path: '/nonexistent/.env', explicit: false }, env: { SENTRY_TG_METRICS_ADDR: raw }, flags: {}, tolerant: true });

describe('SENTRY_TG_METRICS_ADDR', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['localhost:9100', { host: 'localhost', port: 9100 }],
    ['9464', { host: '127.0.0.1', port: 9464 }],
  ])('%s → %o', (raw, addr) => {
    const { settings, problems } = load(raw);
    expect(problems).toEqual([]);
    expect(settings.metricsAddr).toEqual(addr);
  });

  it('is off when unset', () => {
    expect(loadSettings({ envFile: { path: '/nonexistent/.env', explicit: false }, env: {}, flags: {} }).settings.metricsAddr).toBeUndefined();
  });

  it.each(['127.0.0.1:99999', 'http://127.0.0.1:9464', '127.0.0.1:', 'a b:1', '::1:9464'])('refuses %s with the fix in the message', (raw) => {
    const { problems } = load(raw);
    expect(problems).toEqual([expect.stringContaining('SENTRY_TG_METRICS_ADDR must be host:port such as 127.0.0.1:9464')]);
  });
});

describe('resource label', () => {
  it('keeps known resources and folds anything else into "other"', () => {
    expect(resourceLabel('issue')).toBe('issue');
    expect(resourceLabel(undefined)).toBe('legacy');
    expect(resourceLabel('Issue')).toBe('other');
    expect(resourceLabel('x"\n{}')).toBe('other');
  });
});

describe('Telegram call observer', () => {
  let tg: FakeTelegram | null = null;
  afterEach(async () => {
    await tg?.close();
    tg = null;
  });

  it('reports ok, 4xx, 429 with its retry_after, 5xx and network for each call', async () => {
    tg = await startFakeTelegram();
    const CHAT = -1001234500099;
    tg.addChat({ id: CHAT, type: 'supergroup', title: 'Alerts' });
    const seen: [string, CallResult, number | undefined][] = [];
    const client = createTelegram({ apiRoot: tg.url, token: tg.token, timeoutMs: 2000, onCall: (...args) => void seen.push(args) });

    await client.getMe();
    await expect(client.getChat(-1009999)).rejects.toThrow(/chat not found/);
    tg.setRetryAfter(CHAT, 7);
    await expect(client.sendMessage({ chat_id: CHAT, text: 'x' })).rejects.toMatchObject({ code: 429, retryAfterSeconds: 7 });
    tg.failNext('getMe', 'html500');
    await expect(client.getMe()).rejects.toThrow(/502/);
    tg.failNext('getMe', { status: 500, description: 'Internal Server Error' });
    await expect(client.getMe()).rejects.toThrow(/500/);
    tg.failNext('getMe', 'reset');
    await expect(client.getMe()).rejects.toThrow(/did not complete/);

    expect(seen).toEqual([
      ['getMe', 'ok', undefined],
      ['getChat', '4xx', undefined],
      ['sendMessage', '429', 7],
      ['getMe', '5xx', undefined],
      ['getMe', '5xx', undefined],
      ['getMe', 'network', undefined],
    ]);
  });
});
