// The pure decisions inside the setup steps, as table tests.
import { describe, expect, it } from 'vitest';
import type { TgUpdate } from '../../src/telegram/types.js';
import type { SentryApp, SentryRule } from '../../src/sentry/api.js';
import { chatLabel, chatsFromUpdates } from '../../src/commands/setup/chat.js';
import {
  appPatch,
  desiredRule,
  EVENT_FREQUENCY,
  findEquivalentRule,
  FIRST_SEEN,
  mergeCallbackUrls,
  NOTIFY_SERVICE,
  REGRESSION,
} from '../../src/commands/setup/register.js';
import { callsFor, explainMissingScopes } from '../../src/commands/setup/sentry.js';
import { envUpdates } from '../../src/commands/setup/write-env.js';

const OURS = 'https://alerts.example.com/api/sentry-webhook/NEWTOKEN';

describe('mergeCallbackUrls', () => {
  it.each([
    { name: 'empty plugin', existing: [], urls: [OURS], replaced: [], changed: true },
    { name: 'already there', existing: [OURS], urls: [OURS], replaced: [], changed: false },
    {
      name: 'keeps foreign URLs, in order',
      existing: ['https://a.example.com/hook', 'https://b.example.com/x'],
      urls: ['https://a.example.com/hook', 'https://b.example.com/x', OURS],
      replaced: [],
      changed: true,
    },
    {
      name: 'replaces our URL with an older token (same receiver)',
      existing: ['https://alerts.example.com/api/sentry-webhook/OLDTOKEN', 'https://a.example.com/hook'],
      urls: ['https://a.example.com/hook', OURS],
      replaced: ['https://alerts.example.com/api/sentry-webhook/OLDTOKEN'],
      changed: true,
    },
    {
      name: 'replaces a dead ngrok URL of an earlier run',
      existing: ['https://1a2b.ngrok-free.app/api/sentry-webhook/OLD'],
      urls: [OURS],
      replaced: ['https://1a2b.ngrok-free.app/api/sentry-webhook/OLD'],
      changed: true,
    },
    {
      name: 'keeps another sentry-tg receiver (another host)',
      existing: ['https://staging.example.com/api/sentry-webhook/T'],
      urls: ['https://staging.example.com/api/sentry-webhook/T', OURS],
      replaced: [],
      changed: true,
    },
    { name: 'drops a duplicate of ours', existing: [OURS, OURS], urls: [OURS], replaced: [], changed: true },
  ])('$name', ({ existing, urls, replaced, changed }) => {
    const r = mergeCallbackUrls(existing, OURS);
    expect(r.urls).toEqual(urls);
    expect(r.replaced).toEqual(replaced);
    expect(r.changed).toBe(changed);
  });

  it('names other sentry-tg receivers it keeps', () => {
    expect(mergeCallbackUrls(['https://staging.example.com/api/sentry-webhook/T'], OURS).otherReceivers).toEqual([
      'https://staging.example.com/api/sentry-webhook/T',
    ]);
  });
});

function rule(partial: Partial<SentryRule>): SentryRule {
  return {
    id: '1',
    name: 'r',
    actionMatch: 'any',
    filterMatch: null,
    frequency: 30,
    environment: null,
    conditions: [{ id: FIRST_SEEN }, { id: REGRESSION }],
    filters: [],
    actions: [{ id: NOTIFY_SERVICE, service: 'webhooks', name: 'Send a notification via webhooks' }],
    ...partial,
  };
}

describe('findEquivalentRule', () => {
  const freq = { id: EVENT_FREQUENCY, value: 10, interval: '1m', name: 'seen more than 10 times' };
  it.each([
    { name: 'same conditions in another order, labels ignored', r: rule({ conditions: [{ id: REGRESSION, name: 'x' }, { id: FIRST_SEEN }] }), wish: false, hit: true },
    { name: 'other service', r: rule({ actions: [{ id: NOTIFY_SERVICE, service: 'slack' }] }), wish: false, hit: false },
    { name: 'extra action rides along', r: rule({ actions: [{ id: 'sentry.mail.actions.NotifyEmailAction' }, { id: NOTIFY_SERVICE, service: 'webhooks' }] }), wish: false, hit: true },
    { name: 'a filter makes it narrower', r: rule({ filters: [{ id: 'sentry.rules.filters.level.LevelFilter', match: 'gte', level: '40' }] }), wish: false, hit: false },
    { name: 'an environment makes it narrower', r: rule({ environment: 'prod' }), wish: false, hit: false },
    { name: 'actionMatch all differs', r: rule({ actionMatch: 'all' }), wish: false, hit: false },
    { name: 'frequency wanted but missing', r: rule({}), wish: true, hit: false },
    { name: 'frequency present, value as Sentry stores it', r: rule({ conditions: [{ id: FIRST_SEEN }, { id: REGRESSION }, { ...freq, value: '10' }] }), wish: true, hit: true },
    { name: '"any" accepts the frequency variant', r: rule({ conditions: [{ id: FIRST_SEEN }, { id: REGRESSION }, freq] }), wish: 'any' as const, hit: true },
    { name: '"any" accepts the plain variant', r: rule({}), wish: 'any' as const, hit: true },
  ])('$name', ({ r, wish, hit }) => {
    expect(findEquivalentRule([r], 'webhooks', wish) === r).toBe(hit);
  });

  it('builds the rule Sentry expects', () => {
    expect(desiredRule('sentry-tg-abc123', true)).toEqual({
      name: 'sentry-tg: new, regressed or frequent issues',
      frequency: 30,
      actionMatch: 'any',
      conditions: [{ id: FIRST_SEEN }, { id: REGRESSION }, { id: EVENT_FREQUENCY, value: 10, interval: '1m' }],
      actions: [{ id: NOTIFY_SERVICE, service: 'sentry-tg-abc123' }],
    });
  });
});

describe('appPatch', () => {
  const app: SentryApp = {
    slug: 'sentry-tg-abc123',
    uuid: 'u',
    name: 'sentry-tg',
    status: 'internal',
    webhookUrl: 'https://a.example.com/api/sentry-webhook',
    isAlertable: true,
    events: ['issue'],
    scopes: ['event:read'],
    clientSecret: null,
  };
  it.each([
    { name: 'right already', app, url: 'https://a.example.com/api/sentry-webhook', patch: {} },
    { name: 'new URL', app, url: 'https://b.example.com/api/sentry-webhook', patch: { webhookUrl: 'https://b.example.com/api/sentry-webhook' } },
    {
      name: 'not alertable, no events: fixed, other events kept',
      app: { ...app, isAlertable: false, events: ['comment'], scopes: ['org:read'] },
      url: app.webhookUrl!,
      patch: { isAlertable: true, events: ['comment', 'issue'], scopes: ['org:read', 'event:read'] },
    },
  ])('$name', ({ app: a, url, patch }) => {
    expect(appPatch(a, url)).toEqual(patch);
  });
});

describe('chatsFromUpdates', () => {
  const group = { id: -1001, type: 'supergroup' as const, title: 'Ops', is_forum: true };
  const updates = [
    { update_id: 1, message: { message_id: 1, date: 0, chat: { id: 42, type: 'private', first_name: 'Ada', username: 'ada' }, text: '/start' } },
    { update_id: 2, message: { message_id: 2, date: 0, chat: { id: 42, type: 'private', first_name: 'Ada' }, text: 'hi' } },
    {
      update_id: 3,
      message: {
        message_id: 3,
        date: 0,
        chat: group,
        message_thread_id: 7,
        is_topic_message: true,
        text: '/start@bot',
        reply_to_message: { message_id: 7, date: 0, chat: group, forum_topic_created: { name: 'Alerts' } },
      },
    },
    { update_id: 4, my_chat_member: { chat: { id: -5, type: 'group', title: 'Team' }, from: { id: 1, is_bot: false, first_name: 'A' }, new_chat_member: { status: 'member' } } },
    { update_id: 5, my_chat_member: { chat: { id: -6, type: 'group', title: 'Left' }, from: { id: 1, is_bot: false, first_name: 'A' }, new_chat_member: { status: 'left' } } },
    { update_id: 6, channel_post: { message_id: 1, date: 0, chat: { id: -1002, type: 'channel', title: 'News' }, text: 'x' } },
    // A reply thread in a group that is not a forum is not a topic.
    { update_id: 7, message: { message_id: 9, date: 0, chat: { id: -5, type: 'group', title: 'Team' }, message_thread_id: 3, text: 'reply' } },
  ] as unknown as TgUpdate[];

  it('lists private chats, groups, forum topics (with names) and channels once each', () => {
    expect(chatsFromUpdates(updates).map((f) => chatLabel(f.chat, f.topicId, f.topicName))).toEqual([
      'private chat with Ada (@ada) (42)',
      'group "Ops" (-1001)',
      'group "Ops" (-1001), topic "Alerts" (7)',
      'group "Team" (-5)',
      'channel "News" (-1002)',
    ]);
  });
});

describe('scopes', () => {
  it('is quiet when the token has what the mode needs', () => {
    expect(explainMissingScopes(['org:read', 'project:write', 'alerts:write'], 'plugin', callsFor('plugin', { listOrgs: true, listProjects: true }))).toEqual([]);
    expect(explainMissingScopes(['org:admin', 'project:read', 'alerts:write', 'event:admin'], 'integration', callsFor('integration', { listOrgs: false, listProjects: false }))).toEqual([]);
  });
  it('names the call behind each missing scope', () => {
    expect(explainMissingScopes(['project:read'], 'plugin', callsFor('plugin', { listOrgs: true, listProjects: false }))).toEqual([
      'org:read: needed for GET /api/0/organizations/ (list your organisations)',
      'project:write: needed for POST /api/0/projects/{org}/{project}/plugins/webhooks/ (enable the WebHooks plugin)',
      'project:write: needed for PUT /api/0/projects/{org}/{project}/plugins/webhooks/ (set its callback URLs)',
      'project:write: needed for POST /api/0/projects/{org}/{project}/plugins/webhooks/ {"test":true} (send the test alert)',
      'alerts:write or project:write: needed for POST /api/0/projects/{org}/{project}/rules/ (create the alert rule)',
    ]);
  });
});

describe('envUpdates', () => {
  const base = {
    settings: {
      telegramToken: '1:x',
      chatId: '42',
      sentryAuthToken: 'tok',
      sentryOrg: 'acme',
      sentryProject: 'backend',
      sentryUrl: 'https://sentry.io',
      telegramApiRoot: 'https://api.telegram.org',
      port: 8003,
      host: '127.0.0.1',
      dataDir: './data',
      debugEndpoint: false,
      allowedUsers: [],
      bodyLimitBytes: 1024,
    },
    sources: { sentryUrl: 'default', telegramApiRoot: 'default', port: 'default' },
  } as const;

  it('writes what serve needs, leaves defaults out, and removes a stale topic', () => {
    expect(envUpdates(base as never, { kind: 'url', url: 'https://a.example.com' }, 'sec')).toEqual({
      SENTRY_ALERT_TELEGRAM_TOKEN: '1:x',
      SENTRY_ALERT_CHAT_ID: '42',
      SENTRY_ALERT_TOPIC_ID: null,
      SENTRY_WEBHOOK_SECRET: 'sec',
      SENTRY_AUTH_TOKEN: 'tok',
      SENTRY_ORG: 'acme',
      SENTRY_PROJECT: 'backend',
      PUBLIC_URL: 'https://a.example.com',
    });
  });

  it('a tunnel stores the ngrok token but no PUBLIC_URL; explicit flags are kept', () => {
    const s = { settings: { ...base.settings, topicId: 7, port: 9000 }, sources: { ...base.sources, port: 'flag' } };
    const u = envUpdates(s as never, { kind: 'tunnel', authtoken: 'ngrok' }, undefined);
    expect(u).toMatchObject({ SENTRY_ALERT_TOPIC_ID: '7', NGROK_AUTHTOKEN: 'ngrok', PORT: '9000' });
    expect(u).not.toHaveProperty('PUBLIC_URL');
    expect(u).not.toHaveProperty('SENTRY_WEBHOOK_SECRET');
  });
});
