import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSentryApi,
  missingScopes,
  nextCursor,
  normaliseBaseUrl,
  SentryApiError,
  scopeSatisfies,
  type NewIssueAlertRule,
  type SentryApi,
} from '../../src/sentry/api.js';
import { sentryJson, startFakeSentry, type FakeSentry } from '../fakes/sentry.js';

const TOKEN = `sntryu_${'0123456789abcdef'.repeat(4)}`;
const ALL_SCOPES = ['org:read', 'org:write', 'project:read', 'project:write', 'alerts:write', 'event:read', 'event:write'];

const FIRST_SEEN = 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition';
const NOTIFY_SERVICE = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';

function ruleFor(service: string, name = 'Send to Telegram'): NewIssueAlertRule {
  return {
    name,
    frequency: 30,
    actionMatch: 'any',
    conditions: [{ id: FIRST_SEEN }],
    actions: [{ id: NOTIFY_SERVICE, service }],
  };
}

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
}

/** A local receiver that records what arrives and answers `status`. */
async function startReceiver(status = 200): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Awaits a promise that must reject and returns the SentryApiError, failing otherwise. */
async function apiError(p: Promise<unknown>): Promise<SentryApiError> {
  await expect(p).rejects.toBeInstanceOf(SentryApiError);
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as SentryApiError,
  );
}

function expectNoToken(err: SentryApiError): void {
  for (const text of [String(err), err.message, err.stack ?? '', err.hint, err.detail ?? '', inspect(err, { depth: 5 }), JSON.stringify(err)]) {
    expect(text).not.toContain(TOKEN);
  }
}

let fake: FakeSentry;
let api: SentryApi;

beforeEach(async () => {
  fake = await startFakeSentry({ pageSize: 2 });
  fake.addToken(TOKEN, ALL_SCOPES, { id: '42', username: 'jane', email: 'jane@example.com' });
  fake.addOrg('acme', 'Acme');
  fake.addProject('acme', 'backend', 'Backend');
  api = createSentryApi({ baseUrl: fake.url, token: TOKEN, timeoutMs: 2000 });
});

afterEach(async () => {
  await fake.close();
});

describe('basics', () => {
  it('whoami reports the user and the token scopes', async () => {
    await expect(api.whoami()).resolves.toEqual({
      user: { id: '42', username: 'jane', email: 'jane@example.com', name: 'Jane Doe' },
      scopes: ALL_SCOPES,
    });
  });

  it('puts the token only in the Authorization header and tolerates trailing slashes and /api/0', async () => {
    for (const base of [`${fake.url}/`, `${fake.url}///`, `${fake.url}/api/0/`]) {
      const a = createSentryApi({ baseUrl: base, token: TOKEN });
      expect(a.baseUrl).toBe(fake.url);
      await expect(a.getProject('acme', 'backend')).resolves.toMatchObject({ slug: 'backend', name: 'Backend', organization: 'acme' });
    }
    expect(fake.requests.every((r) => !r.path.includes(TOKEN) && !r.query.includes(TOKEN))).toBe(true);
    expect(fake.requests.at(-1)?.token).toMatch(/^sha1:[0-9a-f]{8}$/);
    expect(normaliseBaseUrl('https://de.sentry.io/')).toBe('https://de.sentry.io');
    expect(normaliseBaseUrl('https://sentry.example.com/sentry/api/0')).toBe('https://sentry.example.com/sentry');
  });

  it('every fake response carries the rate-limit headers', async () => {
    const res = await fetch(`${fake.url}/api/0/organizations/`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.headers.get('x-sentry-rate-limit-limit')).toBe('40');
    expect(res.headers.get('x-sentry-rate-limit-remaining')).not.toBeNull();
    const anon = await fetch(`${fake.url}/api/0/organizations/`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect(anon.headers.get('x-sentry-rate-limit-reset')).not.toBeNull();
  });
});

describe('pagination', () => {
  it('follows Link rel="next" across pages until results="false"', async () => {
    for (const slug of ['b-org', 'c-org', 'd-org', 'e-org']) fake.addOrg(slug);
    const orgs = await api.listOrganizations();
    expect(orgs.map((o) => o.slug)).toEqual(['acme', 'b-org', 'c-org', 'd-org', 'e-org']);
    expect(orgs[0]).toEqual({ id: expect.any(String), slug: 'acme', name: 'Acme', regionUrl: fake.url });
    const gets = fake.requests.filter((r) => r.path === '/api/0/organizations/');
    expect(gets).toHaveLength(3);
    expect(gets[0]?.query).not.toContain('cursor');
    expect(gets[1]?.query).toContain('cursor=');
  });

  it('stops at maxPages', async () => {
    for (const slug of ['p2', 'p3', 'p4', 'p5', 'p6']) fake.addProject('acme', slug);
    const capped = createSentryApi({ baseUrl: fake.url, token: TOKEN, maxPages: 2 });
    await expect(capped.listProjects('acme')).resolves.toHaveLength(4);
    await expect(api.listProjects('acme')).resolves.toHaveLength(6);
  });

  it('parses Sentry Link headers', () => {
    const link =
      '<https://sentry.io/api/0/organizations/?&cursor=100:-1:1>; rel="previous"; results="false"; cursor="100:-1:1", ' +
      '<https://sentry.io/api/0/organizations/?&cursor=100:1:0>; rel="next"; results="true"; cursor="100:1:0"';
    expect(nextCursor(link)).toBe('100:1:0');
    expect(nextCursor(link.replace('results="true"', 'results="false"'))).toBeUndefined();
    expect(nextCursor(null)).toBeUndefined();
  });
});

describe('errors', () => {
  it('401: invalid token, with a hint to make a new one', async () => {
    const bad = createSentryApi({ baseUrl: fake.url, token: `${TOKEN}x` });
    const err = await apiError(bad.listOrganizations());
    expect(err.status).toBe(401);
    expect(err.detail).toBe('Invalid token');
    expect(err.method).toBe('GET');
    expect(err.path).toBe('/api/0/organizations/');
    expect(err.hint).toBe(
      `the Sentry auth token is invalid or revoked: create a new one at ${fake.url}/settings/account/api/auth-tokens/`,
    );
    for (const text of [String(err), err.stack ?? '', inspect(err)]) expect(text).not.toContain(`${TOKEN}x`);
  });

  it('403: names the scope the call needs', async () => {
    const readOnly = `${TOKEN}-ro`;
    fake.addToken(readOnly, ['org:read', 'project:read']);
    const ro = createSentryApi({ baseUrl: fake.url, token: readOnly });
    const ruleErr = await apiError(ro.createRule('acme', 'backend', ruleFor('webhooks')));
    expect(ruleErr.status).toBe(403);
    expect(ruleErr.detail).toBe('You do not have permission to perform this action.');
    expect(ruleErr.hint).toContain('"alerts:write"');
    const issueErr = await apiError(ro.updateIssue('acme', '1', { status: 'resolved' }));
    expect(issueErr.hint).toContain('"event:write"');
    const pluginErr = await apiError(ro.enableWebhooksPlugin('acme', 'backend'));
    expect(pluginErr.hint).toContain('"project:write"');
    for (const e of [ruleErr, issueErr, pluginErr]) expect(String(e)).not.toContain(readOnly);
  });

  it('404: unknown organisation or project', async () => {
    const err = await apiError(api.listProjects('nope'));
    expect(err.status).toBe(404);
    expect(err.hint).toBe('organisation/project not found: check the slug');
    const projectErr = await apiError(api.getWebhooksPlugin('acme', 'missing'));
    expect(projectErr.status).toBe(404);
    expect(projectErr.hint).toContain('check the slug');
  });

  it('429: uses Retry-After', async () => {
    fake.failNext(/\/organizations\/$/, 429, { detail: 'You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds' }, {
      headers: { 'Retry-After': '17' },
    });
    const err = await apiError(api.listOrganizations());
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(17);
    expect(err.message).toContain('17');
    expect(err.hint).toContain('try again in 17 s');
  });

  it('network refused: status null and a hint about SENTRY_URL', async () => {
    const receiver = await startReceiver();
    const closedUrl = receiver.url;
    await receiver.close();
    const down = createSentryApi({ baseUrl: closedUrl, token: TOKEN });
    const err = await apiError(down.listOrganizations());
    expect(err.status).toBeNull();
    expect(err.timedOut).toBe(false);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.hint).toBe(`could not reach ${closedUrl}: check SENTRY_URL and the network`);
    expectNoToken(err);
  });

  it('timeout: status null, timedOut, never an unbounded wait', async () => {
    fake.delayNext(/\/organizations\/$/, 1500);
    const slow = createSentryApi({ baseUrl: fake.url, token: TOKEN, timeoutMs: 100 });
    const started = Date.now();
    const err = await apiError(slow.listOrganizations());
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.status).toBeNull();
    expect(err.timedOut).toBe(true);
    expect(err.message).toContain('no answer within 100 ms');
    expect(err.hint).toContain('could not reach');
  });

  it('never puts the token in an error, even when Sentry echoes it', async () => {
    fake.failNext(/\/organizations\/$/, 400, { detail: `token ${TOKEN} is malformed` });
    const echoed = await apiError(api.listOrganizations());
    expect(echoed.detail).toBe('token <redacted> is malformed');
    expectNoToken(echoed);
    const errors = [
      echoed,
      await apiError(createSentryApi({ baseUrl: fake.url, token: `${TOKEN}zz` }).whoami()),
      await apiError(api.listProjects('nope')),
    ];
    errors.forEach(expectNoToken);
  });

  it('an answer that is not Sentry JSON points at SENTRY_URL', async () => {
    const html = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>login</html>');
    });
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', () => r()));
    const { port } = html.address() as AddressInfo;
    try {
      const err = await apiError(createSentryApi({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN }).whoami());
      expect(err.status).toBe(200);
      expect(err.hint).toContain('does not look like a Sentry server');
    } finally {
      html.closeAllConnections();
      await new Promise<void>((r) => html.close(() => r()));
    }
  });
});

describe('scopes table', () => {
  it('knows which calls a token cannot make', () => {
    expect(scopeSatisfies(['project:admin'], 'project:write')).toBe(true);
    expect(scopeSatisfies(['project:read'], 'project:write')).toBe(false);
    expect(missingScopes(['org:read', 'project:write'], ['listOrganizations', 'createRule', 'updateIssue', 'whoami'])).toEqual(['updateIssue']);
  });
});

describe('webhooks plugin', () => {
  it('enable, set URLs, and the test event reaches a local receiver the way Sentry sends it', async () => {
    fake.addProject('acme', 'cafe', 'Café ☕ bot');
    const receiver = await startReceiver(200);
    try {
      await expect(api.getWebhooksPlugin('acme', 'cafe')).resolves.toEqual({ enabled: false, urls: [] });
      await api.enableWebhooksPlugin('acme', 'cafe');
      const target = `${receiver.url}/api/sentry-webhook/s3cret`;
      await expect(api.setWebhookUrls('acme', 'cafe', [target, `${receiver.url}/second`])).resolves.toEqual({
        enabled: true,
        urls: [target, `${receiver.url}/second`],
      });
      expect(fake.requests.find((r) => r.method === 'PUT')?.body).toEqual({ urls: `${target}\n${receiver.url}/second` });
      await expect(api.getWebhooksPlugin('acme', 'cafe')).resolves.toEqual({ enabled: true, urls: [target, `${receiver.url}/second`] });

      await expect(api.testWebhooksPlugin('acme', 'cafe')).resolves.toEqual({ detail: 'No errors returned' });
      expect(receiver.received.map((r) => r.url)).toEqual(['/api/sentry-webhook/s3cret', '/second']);
      const first = receiver.received[0]!;
      expect(first.method).toBe('POST');
      expect(first.headers['content-type']).toBe('application/json');
      expect(first.headers['user-agent']).toMatch(/^sentry\/\S+ \(https:\/\/sentry\.io\)$/);
      expect(first.headers['sentry-hook-signature']).toBeUndefined();
      const body = JSON.parse(first.raw) as Record<string, unknown>;
      expect(body).toMatchObject({ project_slug: 'cafe', project_name: 'Café ☕ bot', level: 'error', triggering_rules: [] });
      expect(String(body.url)).toMatch(/\?referrer=webhooks_plugin$/);
      expect(first.raw).toContain('"project_name":"Caf\\u00e9 \\u2615 bot"');
      expect(first.raw).toBe(sentryJson(body));
      expect(fake.deliveries.map((d) => [d.kind, d.status])).toEqual([
        ['plugin', 200],
        ['plugin', 200],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver error surfaces only as Sentry\'s generic verdict; the delivery records the status', async () => {
    const receiver = await startReceiver(401);
    try {
      await api.setWebhookUrls('acme', 'backend', [receiver.url]);
      await expect(api.testWebhooksPlugin('acme', 'backend')).resolves.toEqual({ detail: 'There was an internal error with the Plugin' });
      expect(fake.deliveries.at(-1)?.status).toBe(401);
    } finally {
      await receiver.close();
    }
  });

  it('rejects non-http URLs with the plugin\'s field error', async () => {
    const err = await apiError(api.setWebhookUrls('acme', 'backend', ['https://ok.example.com/hook', 'ftp://files.example.com/']));
    expect(err.status).toBe(400);
    expect(err.fieldErrors).toEqual({ urls: ['Not a valid URL.'] });
    expect(err.hint).toContain('urls: Not a valid URL.');
    expect(fake.getPlugin('acme', 'backend').urls).toBeNull();
  });
});

describe('alert rules', () => {
  it('the webhooks service is refused until the plugin is enabled', async () => {
    const err = await apiError(api.createRule('acme', 'backend', ruleFor('webhooks')));
    expect(err.status).toBe(400);
    expect(err.fieldErrors?.actions).toEqual(['Select a valid choice. webhooks is not one of the available choices.']);
    await api.enableWebhooksPlugin('acme', 'backend');
    await expect(api.createRule('acme', 'backend', ruleFor('webhooks'))).resolves.toMatchObject({ created: true, name: 'Send to Telegram' });
  });

  it('an identical rule is reported as existing, not created twice', async () => {
    await api.enableWebhooksPlugin('acme', 'backend');
    const first = await api.createRule('acme', 'backend', ruleFor('webhooks', 'Telegram'));
    expect(first.created).toBe(true);
    const again = await api.createRule('acme', 'backend', ruleFor('webhooks', 'Telegram (again)'));
    expect(again).toEqual({ created: false, id: first.id, name: 'Telegram' });
    expect(fake.getRules('acme', 'backend')).toHaveLength(1);
    const rules = await api.listRules('acme', 'backend');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ id: first.id, name: 'Telegram', frequency: 30, actionMatch: 'any' });
    expect(rules[0]?.actions[0]).toMatchObject({ id: NOTIFY_SERVICE, service: 'webhooks' });
  });

  it('validation errors come back as field errors', async () => {
    await api.enableWebhooksPlugin('acme', 'backend');
    const bad = { ...ruleFor('webhooks'), frequency: 1, conditions: [{ id: 'sentry.rules.conditions.nope' }] };
    const err = await apiError(api.createRule('acme', 'backend', bad));
    expect(err.fieldErrors).toEqual({
      frequency: ['Ensure this value is greater than or equal to 5.'],
      conditions: ["Invalid node. Could not find 'sentry.rules.conditions.nope'"],
    });
    const noAction = await apiError(api.createRule('acme', 'backend', { ...ruleFor('webhooks'), actions: [] }));
    expect(noAction.fieldErrors).toEqual({ actions: ['You must add an action for this alert to fire.'] });
  });
});

describe('issues', () => {
  it('sends the update body exactly and returns the updated issue', async () => {
    fake.addIssue('acme', { id: '4711', shortId: 'BACKEND-1', title: 'ZeroDivisionError: division by zero', project: 'backend' });
    const body = { status: 'ignored' as const, substatus: 'archived_until_condition_met' as const, statusDetails: { ignoreDuration: 60 } };
    const issue = await api.updateIssue('acme', '4711', body);
    expect(issue).toMatchObject({ id: '4711', shortId: 'BACKEND-1', status: 'ignored', substatus: 'archived_until_condition_met' });
    expect(fake.issueUpdates).toHaveLength(1);
    expect(fake.issueUpdates[0]).toMatchObject({ org: 'acme', issueId: '4711', body, raw: JSON.stringify(body), status: 200 });
    await expect(api.updateIssue('acme', '4711', { status: 'resolved' })).resolves.toMatchObject({ status: 'resolved', substatus: null });
  });

  it('unknown issue is a 404 with an issue hint; a bad status is a 400', async () => {
    fake.addIssue('acme', { id: '1' });
    const missing = await apiError(api.updateIssue('acme', '999', { status: 'resolved' }));
    expect(missing.status).toBe(404);
    expect(missing.hint).toContain('issue not found');
    const bad = await apiError(api.updateIssue('acme', '1', { status: 'closed' as never }));
    expect(bad.fieldErrors).toEqual({ status: ['"closed" is not a valid choice.'] });
    expect(fake.issueUpdates.map((u) => u.status)).toEqual([404, 400]);
  });
});

describe('internal integration', () => {
  it('creates the app, returns the secret, installs it and makes it an alert service', async () => {
    const receiver = await startReceiver(200);
    try {
      const app = await api.createInternalIntegration({
        org: 'acme',
        name: 'Telegram Alerts',
        webhookUrl: `${receiver.url}/api/sentry-webhook`,
        events: ['issue', 'comment'],
        scopes: ['event:read', 'event:write'],
        isAlertable: true,
      });
      expect(app.slug).toMatch(/^telegram-alerts-[0-9a-f]{6}$/);
      expect(app.clientSecret).toMatch(/^[0-9a-f]{64}$/);
      expect(app).toMatchObject({ name: 'Telegram Alerts', isAlertable: true, events: ['issue', 'comment'], status: 'internal' });
      expect(fake.requests.find((r) => r.path === '/api/0/sentry-apps/')?.body).toEqual({
        name: 'Telegram Alerts',
        organization: 'acme',
        isInternal: true,
        webhookUrl: `${receiver.url}/api/sentry-webhook`,
        events: ['issue', 'comment'],
        scopes: ['event:read', 'event:write'],
        isAlertable: true,
        verifyInstall: false,
      });

      await expect(api.listSentryAppInstallations('acme')).resolves.toEqual([
        { uuid: expect.any(String), status: 'installed', app: { slug: app.slug, uuid: app.uuid }, organization: 'acme' },
      ]);
      await expect(api.listSentryApps('acme')).resolves.toEqual([app]);
      await expect(api.createRule('acme', 'backend', ruleFor(app.slug))).resolves.toMatchObject({ created: true });

      const moved = await api.updateSentryApp(app.slug, { webhookUrl: `${receiver.url}/moved` });
      expect(moved.webhookUrl).toBe(`${receiver.url}/moved`);

      const delivery = await fake.sendIntegrationWebhook(app.slug, 'issue', 'resolved', { issue: { id: '1', title: 'Ünïcode' } });
      expect(delivery.status).toBe(200);
      const got = receiver.received.at(-1)!;
      expect(got.url).toBe('/moved');
      expect(got.raw).toContain('\\u00dcn\\u00efcode');
      expect(got.headers['sentry-hook-resource']).toBe('issue');
      expect(got.headers['request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(got.headers['sentry-hook-timestamp']).toMatch(/^\d+$/);
      expect(got.headers['sentry-hook-signature']).toBe(createHmac('sha256', app.clientSecret!).update(got.raw).digest('hex'));
      expect(JSON.parse(got.raw)).toMatchObject({ action: 'resolved', data: { issue: { id: '1' } }, actor: { type: 'application' } });
    } finally {
      await receiver.close();
    }
  });

  it('explains Sentry\'s refusals', async () => {
    const err = await apiError(
      api.createInternalIntegration({
        org: 'acme',
        name: 'Telegram Alerts',
        webhookUrl: 'https://hooks.example.com/x',
        events: ['issue'],
        scopes: ['org:read'],
        isAlertable: true,
      }),
    );
    expect(err.status).toBe(400);
    expect(err.hint).toContain('issue webhooks require the event:read permission.');
    const noWrite = `${TOKEN}-nw`;
    fake.addToken(noWrite, ['org:read']);
    const forbidden = await apiError(
      createSentryApi({ baseUrl: fake.url, token: noWrite }).createInternalIntegration({
        org: 'acme',
        name: 'x',
        webhookUrl: 'https://hooks.example.com/x',
        events: [],
        scopes: [],
        isAlertable: false,
      }),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.hint).toContain('"org:write"');
  });
});

describe('sentryJson', () => {
  it('escapes like Sentry: compact, non-ASCII as \\uXXXX, astral characters as surrogate pairs', () => {
    expect(sentryJson('é')).toBe('"\\u00e9"');
    expect(sentryJson('😀')).toBe('"\\ud83d\\ude00"');
    expect(sentryJson({ a: [1, 'x'], b: 'Привет\n' })).toBe('{"a":[1,"x"],"b":"\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442\\n"}');
    expect(sentryJson({ plain: 'ascii ~' })).toBe('{"plain":"ascii ~"}');
    expect(JSON.parse(sentryJson({ s: 'Café 😀' }))).toEqual({ s: 'Café 😀' });
  });
});
