// Sentry's answers are decoded by zod schemas: lenient where Sentry varies (numeric ids,
// missing optional fields, unknown fields), and a malformed answer is a SentryApiError that
// names the field, never a TypeError from deep inside a decoder.
import { describe, expect, it } from 'vitest';
import { createSentryApi, SentryApiError } from '../../src/sentry/api.js';

const TOKEN = `sntryu_${'fedcba9876543210'.repeat(4)}`;

/** A fetch that answers every request with `body` as JSON (what a proxy or odd Sentry might send). */
function answering(body: unknown): typeof fetch {
  return async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}

const api = (body: unknown) => createSentryApi({ baseUrl: 'https://sentry.example', token: TOKEN, fetch: answering(body) });

describe('Sentry answers read through the schemas', () => {
  it('a project without a slug is a SentryApiError naming "slug"', async () => {
    const p = api({ id: '1', name: 'Backend' }).getProject('acme', 'backend');
    await expect(p).rejects.toBeInstanceOf(SentryApiError);
    await expect(p).rejects.toThrow(/expected a project \(slug: expected string, received undefined\)/);
  });

  it('an issue whose id is an object names "id", with status 200 and a SENTRY_URL hint', async () => {
    const p = api({ id: { nested: true }, shortId: 'X-1' }).updateIssue('acme', '1', { status: 'resolved' });
    await expect(p).rejects.toMatchObject({ status: 200, message: expect.stringContaining('(id: ') as unknown });
    await expect(p).rejects.toMatchObject({ hint: expect.stringContaining('check SENTRY_URL') as unknown });
  });

  it('a created integration answered as a list is refused, not crashed on', async () => {
    const p = api([{ slug: 'a' }]).createInternalIntegration({
      org: 'acme',
      name: 'sentry-tg',
      webhookUrl: 'https://hooks.example/sentry',
      events: ['issue'],
      scopes: ['event:write'],
      isAlertable: true,
    });
    await expect(p).rejects.toThrow(/expected the created integration \(the answer: /);
  });

  it('numeric ids, missing optional fields and unknown fields are read with defaults', async () => {
    const rule = await api({ id: 42, conditions: 'not a list', actions: [{ id: 'a', extra: 1 }, { notAnId: true }], future: 'x' }).updateRule(
      'acme',
      'backend',
      '42',
      { name: 'r', frequency: 30, actionMatch: 'any', conditions: [], actions: [] },
    );
    expect(rule).toEqual({
      id: '42',
      name: '',
      actionMatch: 'all',
      filterMatch: null,
      frequency: null,
      environment: null,
      conditions: [],
      filters: [],
      actions: [{ id: 'a', extra: 1 }],
    });
  });

  it('a masked client secret reads as null; an empty webhook URL as null', async () => {
    const app = await api({ slug: 'sentry-tg-1a2b', clientSecret: '******', webhookUrl: '', events: ['issue', 7] }).updateSentryApp('sentry-tg-1a2b', {});
    expect(app).toMatchObject({ slug: 'sentry-tg-1a2b', name: 'sentry-tg-1a2b', clientSecret: null, webhookUrl: null, events: ['issue'] });
  });

  it('list answers skip the entries that cannot be read and keep the rest', async () => {
    const orgs = await api([{ slug: 'acme', id: 7 }, { name: 'no slug' }, 'junk', { slug: 'beta', links: { regionUrl: 'https://de.sentry.io' } }]).listOrganizations();
    expect(orgs).toEqual([
      { id: '7', slug: 'acme', name: 'acme' },
      { id: '', slug: 'beta', name: 'beta', regionUrl: 'https://de.sentry.io' },
    ]);
  });

  it('the plugin in both of Sentry\'s shapes, and neither', async () => {
    await expect(api({ enabled: true, urls: [' https://a.example ', 3] }).getWebhooksPlugin('o', 'p')).resolves.toEqual({
      enabled: true,
      urls: ['https://a.example'],
    });
    await expect(
      api({ enabled: false, config: [{ name: 'urls', value: 'https://a.example\r\nhttps://b.example\n' }] }).getWebhooksPlugin('o', 'p'),
    ).resolves.toEqual({ enabled: false, urls: ['https://a.example', 'https://b.example'] });
    await expect(api({ name: 'WebHooks' }).getWebhooksPlugin('o', 'p')).rejects.toThrow(/expected the WebHooks plugin/);
  });
});

describe('whoami without a user, and a plugin answer without config', () => {
  it('whoami of a token with no user still reads its scopes', async () => {
    await expect(api({ auth: { scopes: ['org:read', 1] } }).whoami()).resolves.toEqual({ scopes: ['org:read'] });
    await expect(api({ version: '0' }).whoami()).resolves.toEqual({ scopes: null });
  });

  it('a plugin answer with only "enabled" reads as no URLs', async () => {
    await expect(api({ enabled: true }).getWebhooksPlugin('o', 'p')).resolves.toEqual({ enabled: true, urls: [] });
  });
});

describe('the transport reads rate-limit times on the clock it is given', () => {
  it('a Retry-After date and a rate-limit reset are counted from opts.now, not the machine clock', async () => {
    const nowMs = Date.parse('2030-01-01T00:00:00Z');
    const answer = (headers: Record<string, string>): typeof fetch => async () =>
      new Response(JSON.stringify({ detail: 'slow down' }), { status: 429, headers: { 'content-type': 'application/json', ...headers } });
    const dated = createSentryApi({
      baseUrl: 'https://sentry.example',
      token: TOKEN,
      now: () => nowMs,
      fetch: answer({ 'retry-after': new Date(nowMs + 42_000).toUTCString() }),
    });
    await expect(dated.listOrganizations()).rejects.toMatchObject({ status: 429, retryAfterSeconds: 42 });
    const reset = createSentryApi({
      baseUrl: 'https://sentry.example',
      token: TOKEN,
      now: () => nowMs,
      fetch: answer({ 'x-sentry-rate-limit-reset': String(nowMs / 1000 + 9) }),
    });
    await expect(reset.listOrganizations()).rejects.toMatchObject({ retryAfterSeconds: 9, hint: expect.stringContaining('try again in 9 s') as unknown });
  });
});
