// Issue 10, point 7: a loopback or private public URL is refused for sentry.io (which answers
// "Not a valid URL." for it) and only a warning for a self-hosted Sentry; a query string in the
// public URL stays at the end of every URL built from it.
import { describe, expect, it, afterEach } from 'vitest';
import { pluginCallbackUrl, urlToken } from '../../src/receive/verify.js';
import { checkPublicUrl, joinUrl } from '../../src/commands/setup/url-check.js';
import { createSentryApi } from '../../src/sentry/api.js';
import { startFakeSentry, type FakeSentry } from '../fakes/sentry.js';

let fake: FakeSentry | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('public URL', () => {
  it.each(['http://127.0.0.1:8003', 'http://localhost:8003', 'https://10.0.0.5', 'https://192.168.1.20/hook', 'http://[::1]:8003', 'https://172.20.0.2'])(
    'refuses %s for sentry.io, warns for a self-hosted Sentry',
    (url) => {
      expect(checkPublicUrl(url, 'https://sentry.io')).toMatchObject({ ok: false, reason: expect.stringContaining('can never reach it') });
      expect(checkPublicUrl(url, 'https://de.sentry.io')).toMatchObject({ ok: false });
      expect(checkPublicUrl(url, 'https://sentry.example.internal')).toMatchObject({ ok: true, warning: expect.stringContaining('private') });
    },
  );

  it('accepts public addresses for sentry.io', () => {
    expect(checkPublicUrl('https://alerts.example.com', 'https://sentry.io')).toEqual({ ok: true });
    expect(checkPublicUrl('https://8.8.8.8', 'https://sentry.io')).toEqual({ ok: true });
  });

  it('joins paths before the query string', () => {
    expect(joinUrl('https://alerts.example.com/hook?x=1', '/health')).toBe('https://alerts.example.com/hook/health?x=1');
    expect(joinUrl('https://alerts.example.com/base/', '/api/sentry-webhook')).toBe('https://alerts.example.com/base/api/sentry-webhook');
    const secret = 'a-webhook-secret-of-enough-length';
    expect(pluginCallbackUrl('https://alerts.example.com/p?x=1', secret)).toBe(`https://alerts.example.com/p/api/sentry-webhook/${urlToken(secret)}?x=1`);
  });

  it('the fake, playing sentry.io, refuses a private callback URL like Sentry does', async () => {
    fake = await startFakeSentry({ refusePrivateUrls: true });
    const token = 'sntryu_FAKE_public_url_test_token_not_real_000000';
    fake.addToken(token, ['project:read', 'project:write']);
    fake.addOrg('acme');
    fake.addProject('acme', 'backend');
    const api = createSentryApi({ baseUrl: fake.url, token });
    await expect(api.setWebhookUrls('acme', 'backend', ['http://127.0.0.1:8003/api/sentry-webhook/x'])).rejects.toMatchObject({ status: 400 });
    await expect(api.setWebhookUrls('acme', 'backend', ['https://alerts.example.com/api/sentry-webhook/x'])).resolves.toBeDefined();
  });
});
