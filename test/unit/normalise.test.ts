import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/normalise/alert.js';
import { levelFromAny, normalise } from '../../src/normalise/normalise.js';
import { fixture as readFixture } from '../helpers.js';

function fixture(name: string): Record<string, unknown> {
  return readFixture(name) as Record<string, unknown>;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const INSTALLATION = { uuid: 'a8e5d37a-696c-4c54-adb5-b3f28d64c7de' };
const SENTRY_ACTOR = { id: 'sentry', name: 'Sentry', type: 'application' };
const USER_ACTOR = { id: 1, name: 'Meredith Heller', type: 'user' };

describe('published Sentry payloads (fixtures)', () => {
  const cases: Array<{ file: string; resource: string | undefined; expected: Alert }> = [
    {
      file: 'legacy-webhooks-plugin.json',
      resource: undefined,
      expected: {
        kind: 'event',
        source: 'plugin',
        resource: 'legacy',
        action: 'triggered',
        level: 'error',
        title: 'ReferenceError: hello is not defined',
        // the only frame is not in-app, so the culprit stands in
        location: '?(runner)',
        project: 'meow',
        issueId: '1385042923',
        url: 'https://sentry.io/organizations/meredith/issues/1385042923/?referrer=webhooks_plugin',
        rule: 'Webhook Test',
        tags: {
          browser: 'Chrome 76.0.3809',
          'browser.name': 'Chrome',
          handled: 'no',
          level: 'error',
          mechanism: 'onerror',
          os: 'Mac OS X 10.14.6',
          'os.name': 'Mac OS X',
          'sentry:user': 'ip:38.140.60.234',
          url: 'https://null.jsbin.com/runner',
        },
        occurredAt: '2019-12-19T17:58:19.836Z',
        fields: [],
        dedupKey: 'legacy:af17d39f6a5d4c19ae5a735043a3bd97',
      },
    },
    {
      file: 'event_alert.triggered.json',
      resource: 'event_alert',
      expected: {
        kind: 'event',
        source: 'integration',
        resource: 'event_alert',
        action: 'triggered',
        level: 'error',
        title: 'ReferenceError: heck is not defined',
        location: '?(<anonymous>)',
        project: 'front-end',
        issueId: '1117540176',
        url: 'https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/',
        rule: 'Very Important Alert Rule!',
        tags: {
          browser: 'Chrome 75.0.3770',
          'browser.name': 'Chrome',
          handled: 'no',
          level: 'error',
          mechanism: 'onerror',
          os: 'Mac OS X 10.14.0',
          'os.name': 'Mac OS X',
          user: 'ip:162.217.75.90',
          url: 'https://null.jsbin.com/runner',
        },
        occurredAt: '2019-08-19T21:06:17.677Z',
        fields: [],
        dedupKey: 'event_alert:triggered:e4874d664c3540c1a32eab185f12c5ab',
      },
    },
    {
      file: 'error.created.json',
      resource: 'error',
      expected: {
        kind: 'event',
        source: 'integration',
        resource: 'error',
        action: 'created',
        level: 'error',
        title: "InvalidOperation: [<class 'decimal.InvalidOperation'>]",
        // innermost in-app frame: decimal.py below it is a library frame
        location: 'billing/totals.py:41 in apply_discount',
        environment: 'production',
        release: 'shop-api@2.14.0',
        project: 'shop-api',
        issueId: '4502117833',
        url: 'https://sentry.io/organizations/acme-shop/issues/4502117833/events/7f3c2a9e51d84b06a1e4c0d2b8f96e13/',
        tags: {
          browser: 'Chrome 130.0.0',
          'browser.name': 'Chrome',
          environment: 'production',
          handled: 'no',
          level: 'error',
          mechanism: 'django',
          'os.name': 'Linux',
          release: 'shop-api@2.14.0',
          runtime: 'CPython 3.12.4',
          server_name: 'api-7d9f8',
          transaction: '/billing/invoices/',
          url: 'https://shop.example.com/billing/invoices/',
          user: 'id:8812',
        },
        occurredAt: '2026-11-30T08:14:52.318Z',
        fields: [],
        dedupKey: 'error:created:7f3c2a9e51d84b06a1e4c0d2b8f96e13',
      },
    },
    {
      file: 'issue.created.json',
      resource: 'issue',
      expected: {
        kind: 'issue',
        source: 'integration',
        resource: 'issue',
        action: 'created',
        level: 'error',
        title: 'ReferenceError: blooopy is not defined',
        location: '?(runner)',
        project: 'front-end',
        issueId: '1170820242',
        shortId: 'FRONT-END-9',
        status: 'unresolved',
        count: 1,
        userCount: 1,
        occurredAt: '2019-08-19T20:58:37.391Z',
        fields: [{ label: 'Substatus', value: 'escalating', phrase: { kind: 'substatus', code: 'escalating' } }],
        dedupKey: 'issue:created:1170820242:2019-08-19T20:58:37.391Z:1',
      },
    },
    {
      file: 'comment.created.json',
      resource: 'comment',
      expected: {
        kind: 'comment',
        source: 'integration',
        resource: 'comment',
        action: 'created',
        level: null,
        title: 'New comment on issue 100',
        titlePhrase: { kind: 'comment', action: 'created', issueId: '100' },
        text: 'adding a comment',
        project: 'sentry',
        issueId: '100',
        actor: 'colleen',
        occurredAt: '2022-03-02T21:51:44.118Z',
        fields: [],
        dedupKey: 'comment:created:1234:2022-03-02T21:51:44.118Z',
      },
    },
    {
      file: 'seer.root_cause_completed.json',
      resource: 'seer',
      expected: {
        kind: 'seer',
        source: 'integration',
        resource: 'seer',
        action: 'root_cause_completed',
        level: null,
        title: 'Root cause found',
        titlePhrase: { kind: 'seer', action: 'root_cause_completed' },
        text: "Woah wow there's a bug here.",
        issueId: '1170820242',
        fields: [
          { label: 'Key step', value: 'Next.js server renders the /dashboard route.' },
          { label: 'File', value: 'src/app/page.ts (owner/repo)' },
        ],
        dedupKey: 'seer:root_cause_completed:12345:1170820242',
      },
    },
    {
      file: 'installation.created.json',
      resource: 'installation',
      expected: {
        kind: 'installation',
        source: 'integration',
        resource: 'installation',
        action: 'created',
        level: null,
        title: 'Sentry integration installed',
        titlePhrase: { kind: 'installation', action: 'created' },
        actor: 'Meredith Heller',
        fields: [
          { label: 'Organization', value: 'test-org' },
          { label: 'App', value: 'webhooks-galore' },
        ],
        dedupKey: 'installation:created:a8e5d37a-696c-4c54-adb5-b3f28d64c7de',
      },
    },
  ];

  it.each(cases)('$file', ({ file, resource, expected }) => {
    const body = deepFreeze(fixture(file)); // frozen: normalise must not mutate its input
    expect(normalise({ resource, body })).toStrictEqual(expected);
  });

  it.each(cases.filter((c) => c.resource !== undefined))(
    '$file without a Sentry-Hook-Resource header is recognised from its data keys',
    ({ file, expected }) => {
      expect(normalise({ resource: undefined, body: fixture(file) })).toStrictEqual(expected);
    },
  );

  it('is deterministic: the same body twice gives equal alerts', () => {
    const body = fixture('event_alert.triggered.json');
    expect(normalise({ resource: 'event_alert', body })).toEqual(normalise({ resource: 'event_alert', body }));
  });
});

// ---------------------------------------------------------------- metric alerts

function metricBody(action: string, text = '1000 events in the last 10 minutes\\nFilter: level:error') {
  return {
    action,
    actor: SENTRY_ACTOR,
    data: {
      description_text: text,
      description_title: `${action === 'resolved' ? 'Resolved' : action === 'warning' ? 'Warning' : 'Critical'}: Too many errors`,
      metric_alert: {
        alert_rule: {
          aggregate: 'count()',
          dataset: 'events',
          environment: 'production',
          id: '7',
          name: 'Too many errors',
          projects: ['bar'],
          query: 'level:error',
          time_window: 10,
          triggers: [],
        },
        date_closed: action === 'resolved' ? '2020-09-13T13:00:00.000000Z' : null,
        date_started: '2020-09-13T12:26:40.000000Z',
        id: '4',
        identifier: '1',
        projects: ['bar'],
        status: action === 'resolved' ? 2 : 20,
        title: 'Sacred Marmot',
      },
      web_url: 'https://sentry.io/organizations/baz/alerts/1/',
    },
    installation: INSTALLATION,
  };
}

describe('metric_alert', () => {
  const fields = [
    { label: 'Aggregate', value: 'count()' },
    { label: 'Query', value: 'level:error' },
    { label: 'Time window', value: '10 min', phrase: { kind: 'minutes', minutes: 10 } },
    { label: 'Environment', value: 'production' },
    { label: 'Incident', value: '#1' },
    { label: 'Started', value: '2020-09-13T12:26:40.000Z' },
  ];

  it('critical → level error, literal \\n in the description becomes a newline', () => {
    expect(normalise({ resource: 'metric_alert', body: metricBody('critical') })).toStrictEqual({
      kind: 'metric',
      source: 'integration',
      resource: 'metric_alert',
      action: 'critical',
      level: 'error',
      title: 'Critical: Too many errors',
      text: '1000 events in the last 10 minutes\nFilter: level:error',
      environment: 'production',
      project: 'bar',
      url: 'https://sentry.io/organizations/baz/alerts/1/',
      rule: 'Too many errors',
      status: 'critical',
      occurredAt: '2020-09-13T12:26:40.000Z',
      fields,
      dedupKey: 'metric_alert:critical:4:2020-09-13T12:26:40.000Z:a3e984b7',
    });
  });

  it.each([
    ['warning', 'warning', 'Warning: Too many errors', 'metric_alert:warning:4:2020-09-13T12:26:40.000Z:a3e984b7'],
    [
      'resolved',
      'info',
      'Resolved: Too many errors',
      'metric_alert:resolved:4:2020-09-13T12:26:40.000Z:2020-09-13T13:00:00.000Z:a3e984b7',
    ],
  ] as const)('%s → level %s', (action, level, title, dedupKey) => {
    expect(normalise({ resource: 'metric_alert', body: metricBody(action) })).toStrictEqual({
      kind: 'metric',
      source: 'integration',
      resource: 'metric_alert',
      action,
      level,
      title,
      text: '1000 events in the last 10 minutes\nFilter: level:error',
      environment: 'production',
      project: 'bar',
      url: 'https://sentry.io/organizations/baz/alerts/1/',
      rule: 'Too many errors',
      status: action,
      occurredAt: '2020-09-13T12:26:40.000Z',
      fields,
      dedupKey,
    });
  });

  it('a second critical in the same incident with a new value gets a new dedup key', () => {
    const first = normalise({ resource: 'metric_alert', body: metricBody('critical') });
    const again = normalise({ resource: 'metric_alert', body: metricBody('critical') });
    const later = normalise({
      resource: 'metric_alert',
      body: metricBody('critical', '2400 events in the last 10 minutes\\nFilter: level:error'),
    });
    expect(again.dedupKey).toBe(first.dedupKey);
    expect(later.dedupKey).not.toBe(first.dedupKey);
  });

  it('falls back to the incident title, then the rule name; an unknown action has no level', () => {
    const body = metricBody('anomaly');
    delete (body.data as Partial<typeof body.data>).description_title;
    const alert = normalise({ resource: 'metric_alert', body });
    expect([alert.kind, alert.title, alert.level, alert.status]).toEqual(['metric', 'Sacred Marmot', null, 'anomaly']);
    (body.data.metric_alert as Partial<typeof body.data.metric_alert>).title = undefined;
    expect(normalise({ resource: 'metric_alert', body }).title).toBe('Too many errors');
  });

  it.each([
    [5, '5 min'],
    [60, '1 h'],
    [90, '90 min'],
    [1440, '1 d'],
  ])('time window %i minutes reads "%s"', (minutes, text) => {
    const body = metricBody('critical');
    body.data.metric_alert.alert_rule.time_window = minutes;
    const alert = normalise({ resource: 'metric_alert', body });
    expect(alert.fields.find((f) => f.label === 'Time window')).toEqual({ label: 'Time window', value: text, phrase: { kind: 'minutes', minutes } });
  });
});

// ---------------------------------------------------------------- issue state changes

function issueBody(action: string, issue: Record<string, unknown>, data: Record<string, unknown> = {}) {
  const base = (fixture('issue.created.json').data as { issue: Record<string, unknown> }).issue;
  return {
    action,
    actor: USER_ACTOR,
    data: { issue: { ...base, ...issue }, ...data },
    installation: INSTALLATION,
  };
}

const issueCommon = {
  kind: 'issue',
  source: 'integration',
  resource: 'issue',
  level: 'error',
  title: 'ReferenceError: blooopy is not defined',
  location: '?(runner)',
  project: 'front-end',
  issueId: '1170820242',
  shortId: 'FRONT-END-9',
  actor: 'Meredith Heller',
  userCount: 1,
} as const;

describe('issue', () => {
  it.each(['?', ' ?? ', ''])('a culprit of %j is no location (no "📍 Location: ?" line)', (culprit) => {
    expect(normalise({ resource: 'issue', body: issueBody('created', { culprit }) }).location).toBeUndefined();
  });

  it('resolved: resolution type and release as fields, permalink as url', () => {
    const body = issueBody(
      'resolved',
      {
        status: 'resolved',
        substatus: null,
        statusDetails: { inRelease: 'front-end@1.2.0' },
        lastSeen: '2019-08-20T10:00:00Z',
        count: '15',
        permalink: 'https://test-org.sentry.io/issues/1170820242/',
      },
      { resolution_type: 'in_release' },
    );
    expect(normalise({ resource: 'issue', body })).toStrictEqual({
      ...issueCommon,
      action: 'resolved',
      status: 'resolved',
      url: 'https://test-org.sentry.io/issues/1170820242/',
      count: 15,
      occurredAt: '2019-08-20T10:00:00.000Z',
      fields: [
        { label: 'Resolution', value: 'in release', phrase: { kind: 'resolution', code: 'in_release' } },
        { label: 'In release', value: 'front-end@1.2.0' },
        { label: 'First seen', value: '2019-08-19T20:58:37.391Z' },
      ],
      dedupKey: 'issue:resolved:1170820242:2019-08-20T10:00:00.000Z:15:in_release',
    });
  });

  it('assigned: assignee name, and the assignee in the dedup key', () => {
    const body = issueBody(
      'assigned',
      { assignedTo: { type: 'user', id: '2', name: 'Colleen', email: 'colleen@example.com' } },
      { assignee: { type: 'user', id: '2', name: 'Colleen', email: 'colleen@example.com' } },
    );
    expect(normalise({ resource: 'issue', body })).toStrictEqual({
      ...issueCommon,
      action: 'assigned',
      status: 'assigned',
      assignee: 'Colleen',
      count: 1,
      occurredAt: '2019-08-19T20:58:37.391Z',
      fields: [{ label: 'Substatus', value: 'escalating', phrase: { kind: 'substatus', code: 'escalating' } }],
      dedupKey: 'issue:assigned:1170820242:2019-08-19T20:58:37.391Z:1:user:2',
    });
  });

  it.each([
    [{ type: 'user', id: '2', email: 'colleen@example.com' }, 'colleen@example.com'],
    [{ type: 'team', id: '7' }, 'team:7'],
    [{ type: 'team', id: 7 }, 'team:7'],
    [{ name: 42, email: null }, undefined],
  ])('assignee %j reads %s', (assignee, expected) => {
    const body = issueBody('assigned', {}, { assignee });
    expect(normalise({ resource: 'issue', body }).assignee).toBe(expected);
  });

  it('reassigning to someone else is a new dedup key', () => {
    const a = normalise({ resource: 'issue', body: issueBody('assigned', {}, { assignee: { type: 'user', id: '2' } }) });
    const b = normalise({ resource: 'issue', body: issueBody('assigned', {}, { assignee: { type: 'user', id: '3' } }) });
    expect(a.dedupKey).not.toBe(b.dedupKey);
  });

  it('ignored reads as archived, with the substatus as a field', () => {
    const body = issueBody('ignored', { status: 'ignored', substatus: 'archived_until_escalating', statusDetails: {} });
    expect(normalise({ resource: 'issue', body })).toStrictEqual({
      ...issueCommon,
      action: 'ignored',
      status: 'archived',
      count: 1,
      occurredAt: '2019-08-19T20:58:37.391Z',
      fields: [{ label: 'Archived', value: 'until escalating', phrase: { kind: 'substatus', code: 'archived_until_escalating' } }],
      dedupKey: 'issue:ignored:1170820242:2019-08-19T20:58:37.391Z:1:until escalating',
    });
  });

  it.each([
    ['archived_forever', {}, 'forever', { kind: 'substatus', code: 'archived_forever' }],
    ['archived_until_condition_met', { ignoreDuration: 30 }, 'for 30 min', { kind: 'archive', conditions: [{ for: 30 }] }],
    [
      'archived_until_condition_met',
      { ignoreCount: 100, ignoreWindow: 60 },
      'until seen 100 more times in 1 h',
      { kind: 'archive', conditions: [{ seen: 100, withinMinutes: 60 }] },
    ],
    ['archived_until_condition_met', { ignoreUserCount: 10 }, 'until 10 more users', { kind: 'archive', conditions: [{ users: 10 }] }],
    [null, {}, undefined, undefined],
  ])('archived %s %j → %s', (substatus, statusDetails, text, phrase) => {
    const body = issueBody('archived', { status: 'ignored', substatus, statusDetails });
    const alert = normalise({ resource: 'issue', body });
    expect(alert.status).toBe('archived');
    expect(alert.fields).toEqual(text === undefined ? [] : [{ label: 'Archived', value: text, phrase }]);
  });

  it('unresolved (regressed)', () => {
    const body = issueBody('unresolved', {
      substatus: 'regressed',
      count: '42',
      userCount: 7,
      lastSeen: '2019-09-01T08:00:00.000000Z',
      web_url: 'https://sentry.io/organizations/test-org/issues/1170820242/',
    });
    expect(normalise({ resource: 'issue', body })).toStrictEqual({
      ...issueCommon,
      action: 'unresolved',
      status: 'unresolved',
      url: 'https://sentry.io/organizations/test-org/issues/1170820242/',
      count: 42,
      userCount: 7,
      occurredAt: '2019-09-01T08:00:00.000Z',
      fields: [
        { label: 'Substatus', value: 'regressed', phrase: { kind: 'substatus', code: 'regressed' } },
        { label: 'First seen', value: '2019-08-19T20:58:37.391Z' },
      ],
      dedupKey: 'issue:unresolved:1170820242:2019-09-01T08:00:00.000Z:42',
    });
  });

  it('a new occurrence (later lastSeen) is a new dedup key; the same payload is the same key', () => {
    const one = normalise({ resource: 'issue', body: issueBody('unresolved', {}) });
    const same = normalise({ resource: 'issue', body: issueBody('unresolved', {}) });
    const next = normalise({ resource: 'issue', body: issueBody('unresolved', { lastSeen: '2019-08-19T21:00:00Z' }) });
    expect(same.dedupKey).toBe(one.dedupKey);
    expect(next.dedupKey).not.toBe(one.dedupKey);
  });

  it('any other action is still an issue alert, with the issue status', () => {
    const alert = normalise({ resource: 'issue', body: issueBody('escalated', { title: undefined, metadata: { type: 'E', value: 'v' } }) });
    expect([alert.kind, alert.action, alert.status, alert.title]).toEqual(['issue', 'escalated', 'unresolved', 'E: v']);
  });
});

// ---------------------------------------------------------------- comments

describe('comment', () => {
  const comment = (action: string, data: Record<string, unknown>) => ({
    action,
    data: { comment: 'ok, fixed', project_slug: 'sentry', comment_id: 1234, issue_id: 100, timestamp: '2022-03-03T10:00:00Z', ...data },
    installation: INSTALLATION,
    actor: { type: 'user', id: 1, name: 'colleen' },
  });

  it.each([
    ['updated', 'Comment edited on issue 100'],
    ['deleted', 'Comment deleted on issue 100'],
    ['pinned', 'Comment pinned on issue 100'],
  ])('%s', (action, title) => {
    expect(normalise({ resource: 'comment', body: comment(action, {}) })).toStrictEqual({
      kind: 'comment',
      source: 'integration',
      resource: 'comment',
      action,
      level: null,
      title,
      titlePhrase: { kind: 'comment', action, issueId: '100' },
      text: 'ok, fixed',
      project: 'sentry',
      issueId: '100',
      actor: 'colleen',
      occurredAt: '2022-03-03T10:00:00.000Z',
      fields: [],
      dedupKey: `comment:${action}:1234:2022-03-03T10:00:00.000Z`,
    });
  });

  it('without an issue id or comment id', () => {
    const alert = normalise({ resource: 'comment', body: comment('created', { issue_id: null, comment_id: '' }) });
    expect([alert.title, alert.issueId, alert.dedupKey]).toEqual(['New comment', undefined, null]);
  });
});

// ---------------------------------------------------------------- seer

describe('seer', () => {
  const seer = (action: string, data: Record<string, unknown> = {}) => ({
    action,
    actor: SENTRY_ACTOR,
    data: { run_id: 12345, group_id: 1170820242, ...data },
    installation: INSTALLATION,
  });
  const common = { kind: 'seer', source: 'integration', resource: 'seer', level: null, issueId: '1170820242' } as const;

  it.each([
    ['root_cause_started', 'Root cause analysis started'],
    ['solution_started', 'Looking for a solution'],
    ['coding_started', 'Coding started'],
    ['triage_completed', 'Seer: Triage completed'],
  ])('%s → "%s"', (action, title) => {
    expect(normalise({ resource: 'seer', body: seer(action) })).toStrictEqual({
      ...common,
      action,
      title,
      titlePhrase: { kind: 'seer', action },
      fields: [],
      dedupKey: `seer:${action}:12345:1170820242`,
    });
  });

  it('solution_completed: description and steps', () => {
    const body = seer('solution_completed', {
      solution: { description: 'Definitely need to fix this.', steps: [{ title: 'Go fix it' }, { title: 'Then go fix this other thing.' }] },
    });
    expect(normalise({ resource: 'seer', body })).toStrictEqual({
      ...common,
      action: 'solution_completed',
      title: 'Solution found',
      titlePhrase: { kind: 'seer', action: 'solution_completed' },
      text: 'Definitely need to fix this.',
      fields: [
        { label: 'Step 1', value: 'Go fix it' },
        { label: 'Step 2', value: 'Then go fix this other thing.' },
      ],
      dedupKey: 'seer:solution_completed:12345:1170820242',
    });
  });

  it('coding_completed: the changes', () => {
    const body = seer('coding_completed', {
      changes: [
        {
          repo_name: 'my-app',
          repo_external_id: '12345',
          title: 'fix: Initialize undefined variable',
          description: "This change initializes the 'blooopy' variable before use",
          diff: '<the diff>',
          branch_name: 'seer/fix-this-thing',
        },
      ],
    });
    expect(normalise({ resource: 'seer', body })).toStrictEqual({
      ...common,
      action: 'coding_completed',
      title: 'Code changes ready',
      titlePhrase: { kind: 'seer', action: 'coding_completed' },
      text: "This change initializes the 'blooopy' variable before use",
      fields: [
        { label: 'Change', value: 'my-app: fix: Initialize undefined variable' },
        { label: 'Branch', value: 'seer/fix-this-thing' },
      ],
      dedupKey: 'seer:coding_completed:12345:1170820242',
    });
  });

  it('pr_created: the pull request link, nested and flat shapes', () => {
    const body = seer('pr_created', {
      pull_requests: [
        { pull_request: { pr_number: 123, pr_url: 'https://github.com/owner/repo/pull/123', pr_id: 456789 }, repo_name: 'my-app', provider: 'github' },
        { pr_number: 7, pr_url: 'javascript:alert(1)' },
      ],
    });
    expect(normalise({ resource: 'seer', body })).toStrictEqual({
      ...common,
      action: 'pr_created',
      title: 'Pull request created',
      titlePhrase: { kind: 'seer', action: 'pr_created' },
      url: 'https://github.com/owner/repo/pull/123',
      fields: [
        { label: 'Pull request', value: 'my-app #123' },
        { label: 'Pull request', value: '#7' },
      ],
      dedupKey: 'seer:pr_created:12345:1170820242',
    });
  });

  it('long lists are capped', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ title: `step ${i}`, repo_name: 'r', pr_number: i }));
    const body = seer('everything', { solution: { steps: many }, changes: many, pull_requests: many });
    const alert = normalise({ resource: 'seer', body });
    expect(alert.fields.filter((f) => f.label.startsWith('Step'))).toHaveLength(5);
    expect(alert.fields).toHaveLength(12);
  });
});

// ---------------------------------------------------------------- installation

describe('installation', () => {
  it('deleted', () => {
    const body = fixture('installation.created.json');
    body.action = 'deleted';
    expect(normalise({ resource: 'installation', body })).toStrictEqual({
      kind: 'installation',
      source: 'integration',
      resource: 'installation',
      action: 'deleted',
      level: null,
      title: 'Sentry integration removed',
      titlePhrase: { kind: 'installation', action: 'deleted' },
      actor: 'Meredith Heller',
      fields: [
        { label: 'Organization', value: 'test-org' },
        { label: 'App', value: 'webhooks-galore' },
      ],
      dedupKey: 'installation:deleted:a8e5d37a-696c-4c54-adb5-b3f28d64c7de',
    });
  });
});

// ---------------------------------------------------------------- events

/** error.created as Sentry sends it: the event under data.error. */
function errorBody(event: Record<string, unknown>) {
  return { action: 'created', actor: SENTRY_ACTOR, data: { error: event }, installation: INSTALLATION };
}

const frame = (filename: string, lineno: number, fn: string | null, inApp: boolean) => ({
  filename,
  abs_path: `/srv/${filename}`,
  module: filename.replace(/\.py$/, '').replace(/\//g, '.'),
  lineno,
  function: fn,
  in_app: inApp,
});

describe('error.created', () => {
  it('an event with no in-app frame and a culprit of "?" has no location', () => {
    const alert = normalise({ resource: 'error', body: errorBody({ title: 'Boom', culprit: '?', exception: { values: [{ type: 'E', stacktrace: { frames: [frame('lib/x.py', 1, 'f', false)] } }] } }) });
    expect(alert.location).toBeUndefined();
  });

  it('the event under data.event (what an older doc promised) reads the same as under data.error', () => {
    const event = (fixture('error.created.json').data as { error: Record<string, unknown> }).error;
    const asDocumented = normalise({ resource: 'error', body: errorBody(event) });
    const body = { action: 'created', actor: SENTRY_ACTOR, data: { event }, installation: INSTALLATION };
    expect(normalise({ resource: 'error', body })).toStrictEqual(asDocumented);
    expect(asDocumented.unexpected).toBeUndefined();
  });

  it('maps the event, without a rule', () => {
    const base = (fixture('event_alert.triggered.json').data as { event: Record<string, unknown> }).event;
    const body = errorBody({ ...base, environment: 'production', release: 'front-end@1.0.0', level: 'warning' });
    expect(normalise({ resource: 'error', body })).toStrictEqual({
      kind: 'event',
      source: 'integration',
      resource: 'error',
      action: 'created',
      level: 'warning',
      title: 'ReferenceError: heck is not defined',
      location: '?(<anonymous>)',
      environment: 'production',
      release: 'front-end@1.0.0',
      project: 'front-end',
      issueId: '1117540176',
      url: 'https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/',
      tags: {
        browser: 'Chrome 75.0.3770',
        'browser.name': 'Chrome',
        handled: 'no',
        level: 'error',
        mechanism: 'onerror',
        os: 'Mac OS X 10.14.0',
        'os.name': 'Mac OS X',
        user: 'ip:162.217.75.90',
        url: 'https://null.jsbin.com/runner',
      },
      occurredAt: '2019-08-19T21:06:17.677Z',
      fields: [],
      dedupKey: 'error:created:e4874d664c3540c1a32eab185f12c5ab',
    });
  });
});

describe('event location', () => {
  const locate = (event: Record<string, unknown>) =>
    normalise({ resource: 'error', body: errorBody({ event_id: 'e1', culprit: 'views.trigger_error', ...event }) }).location;

  it('innermost in-app frame of the last exception with a stack trace, library frames skipped', () => {
    const event = {
      exception: {
        values: [
          { type: 'KeyError', value: 'cause', stacktrace: { frames: [frame('app/cause.py', 3, 'load', true)] } },
          {
            type: 'ZeroDivisionError',
            value: 'division by zero',
            stacktrace: {
              frames: [
                frame('app/main.py', 10, 'main', true),
                frame('secure_api.py', 155, 'trigger_error', true),
                frame('django/core/handlers.py', 50, 'inner', false),
              ],
            },
          },
          { type: 'Wrapper', value: 'no stack here' },
        ],
      },
    };
    expect(locate(event)).toBe('secure_api.py:155 in trigger_error');
  });

  it('no in-app frame → culprit (never a library frame)', () => {
    const event = { exception: { values: [{ stacktrace: { frames: [frame('lib/x.py', 1, 'f', false)] } }] } };
    expect(locate(event)).toBe('views.trigger_error');
  });

  it('no stack trace at all → culprit', () => {
    expect(locate({ message: 'just a message' })).toBe('views.trigger_error');
  });

  it('no stack trace and no culprit → no location', () => {
    expect(locate({ culprit: null })).toBeUndefined();
  });

  it.each([
    [{ abs_path: '/srv/app.js', lineno: 3, function: 'f', in_app: true }, '/srv/app.js:3 in f'],
    [{ module: 'app.views', lineno: 3, in_app: true }, 'app.views:3'],
    [{ filename: 'app.py', function: 'f', in_app: true }, 'app.py in f'],
    [{ filename: 'app.py', lineno: '12', function: 'f', in_app: true }, 'app.py:12 in f'],
    [{ filename: 'app.py', lineno: -4, in_app: true }, 'app.py'],
    [{ function: 'crash_handler', in_app: true }, 'crash_handler'],
  ])('frame %j → %s', (f, expected) => {
    expect(locate({ exception: { values: [{ stacktrace: { frames: [f] } }] } })).toBe(expected);
  });

  it('an in-app frame with neither file nor function is skipped for the next one out', () => {
    const frames = [frame('app/a.py', 1, 'outer', true), { lineno: 9, in_app: true }, { in_app: 'true', filename: 'x.py' }];
    expect(locate({ exception: { values: [{ stacktrace: { frames } }] } })).toBe('app/a.py:1 in outer');
  });

  it('event.stacktrace (a message with a stack)', () => {
    expect(locate({ stacktrace: { frames: [frame('app/log.py', 8, 'report', true)] } })).toBe('app/log.py:8 in report');
  });

  it('threads: the crashed thread first', () => {
    const threads = {
      values: [
        { id: 1, current: true, stacktrace: { frames: [frame('app/current.py', 1, 'idle', true)] } },
        { id: 2, crashed: true, stacktrace: { frames: [frame('app/crash.py', 2, 'boom', true)] } },
      ],
    };
    expect(locate({ threads })).toBe('app/crash.py:2 in boom');
    expect(locate({ threads: { values: [threads.values[0]] } })).toBe('app/current.py:1 in idle');
  });
});

describe('event title, level, environment and release', () => {
  const ev = (event: Record<string, unknown>) =>
    normalise({ resource: 'error', body: errorBody({ event_id: 'e1', ...event }) });

  it.each([
    [{ title: 'T', metadata: { type: 'A', value: 'b' } }, 'T'],
    [{ metadata: { type: 'A', value: 'b' } }, 'A: b'],
    [{ metadata: { value: 'only value' } }, 'only value'],
    [{ exception: { values: [{ type: 'ValueError', value: 'bad' }] } }, 'ValueError: bad'],
    [{ message: 'hello' }, 'hello'],
    [{ logentry: { formatted: 'formatted hello' } }, 'formatted hello'],
    [{ culprit: 'the culprit' }, 'the culprit'],
    [{ title: '   ' }, 'Sentry event'],
  ])('title from %j', (event, title) => {
    expect(ev(event).title).toBe(title);
  });

  it('tags as [key, value] pairs', () => {
    const alert = ev({
      tags: [
        ['environment', 'staging'],
        ['release', 'api@2.0.0'],
        ['level', 'warning'],
      ],
    });
    expect([alert.level, alert.environment, alert.release]).toEqual(['warning', 'staging', 'api@2.0.0']);
  });

  it('tags as {key, value} objects', () => {
    const alert = ev({
      tags: [
        { key: 'environment', value: 'production' },
        { key: 'release', value: 'api@3.0.0' },
        { key: 'level', value: 'fatal' },
      ],
    });
    expect([alert.level, alert.environment, alert.release]).toEqual(['fatal', 'production', 'api@3.0.0']);
  });

  it('event fields win over tags', () => {
    const alert = ev({ level: 'info', environment: 'prod', release: 'r1', tags: [['environment', 'tag-env'], ['level', 'error']] });
    expect([alert.level, alert.environment, alert.release]).toEqual(['info', 'prod', 'r1']);
  });

  it('legacy plugin: body.level, then event.level, then the level tag; rules joined', () => {
    const body = fixture('legacy-webhooks-plugin.json');
    body.level = null;
    body.triggering_rules = ['First', 'Second'];
    const event = body.event as Record<string, unknown>;
    event.level = undefined;
    event.tags = [['level', 'warning'], ['environment', 'production'], { key: 'release', value: 'meow@1' }];
    const alert = normalise({ resource: undefined, body });
    expect([alert.level, alert.environment, alert.release, alert.rule]).toEqual(['warning', 'production', 'meow@1', 'First, Second']);
  });

  it('legacy plugin: project falls back to project_name, then project', () => {
    const body = fixture('legacy-webhooks-plugin.json');
    delete body.project_slug;
    expect(normalise({ resource: undefined, body }).project).toBe('Meow');
    delete body.project_name;
    expect(normalise({ resource: undefined, body }).project).toBe('meow');
  });
});

// ---------------------------------------------------------------- shape inference and unknown

describe('recognising the resource without a header', () => {
  it.each([
    [{ action: 'triggered', data: { event: { event_id: 'a' }, triggered_rule: 'R' } }, 'event', 'event_alert'],
    [{ action: 'created', data: { event: { event_id: 'a' } } }, 'event', 'error'],
    [{ action: 'created', data: { error: { event_id: 'a' } } }, 'event', 'error'],
    [{ action: 'created', data: { issue: { id: '1' } } }, 'issue', 'issue'],
    [{ action: 'warning', data: { metric_alert: { id: '4' } } }, 'metric', 'metric_alert'],
    [{ action: 'created', data: { comment_id: 1, issue_id: 2 } }, 'comment', 'comment'],
    [{ action: 'deleted', data: { installation: { uuid: 'u' } } }, 'installation', 'installation'],
    [{ action: 'solution_completed', data: { solution: {} } }, 'seer', 'seer'],
    [{ action: 'root_cause_started', data: { run_id: 1, group_id: 2 } }, 'seer', 'seer'],
    [{ action: 'created', data: { something: 'new' } }, 'unknown', 'unknown'],
    [{ event: { event_id: 'a' }, data: {} }, 'unknown', 'unknown'],
    [{ event: { event_id: 'a' }, project_slug: 'p' }, 'event', 'legacy'],
  ])('%j → %s (%s)', (body, kind, resource) => {
    const alert = normalise({ resource: undefined, body });
    expect([alert.kind, alert.resource]).toEqual([kind, resource]);
  });
});

describe('unknown payloads', () => {
  it('an unknown resource says what arrived', () => {
    const body = { action: 'created', data: { id: 5, state: 'done', nested: { a: 1 } }, installation: INSTALLATION };
    expect(normalise({ resource: 'preprod_artifact', body })).toStrictEqual({
      kind: 'unknown',
      source: 'integration',
      resource: 'preprod_artifact',
      action: 'created',
      level: null,
      title: 'Sentry sent preprod_artifact.created',
      titlePhrase: { kind: 'unrecognised', webhook: 'preprod_artifact.created' },
      fields: [
        { label: 'Keys', value: 'action, data, installation' },
        { label: 'action', value: 'created' },
        { label: 'data.id', value: '5' },
        { label: 'data.state', value: 'done' },
      ],
      dedupKey: null,
    });
  });

  it('a known resource without its data is unknown', () => {
    const alert = normalise({ resource: 'issue', body: { action: 'created', data: {} } });
    expect([alert.kind, alert.title, alert.dedupKey]).toEqual(['unknown', 'Sentry sent issue.created', null]);
  });

  it('at most 8 fields, each value shortened', () => {
    const body = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
    const alert = normalise({ resource: undefined, body });
    expect(alert.fields).toHaveLength(8);
    expect(alert.fields[0]?.value.endsWith(', …')).toBe(true);
    expect(alert.fields[1]).toEqual({ label: 'k0', value: `${'v'.repeat(199)}…` });
  });

  it.each([
    [[], { value: 'array of 0 items', phrase: { kind: 'list', items: 0 } }],
    [[1, 2], { value: 'array of 2 items', phrase: { kind: 'list', items: 2 } }],
    ['x', { value: '"x"' }],
    [42, { value: '42' }],
    [null, { value: 'null' }],
    [true, { value: 'true' }],
    [undefined, { value: 'empty', phrase: { kind: 'empty' } }],
  ])('non-object body %j', (body, value) => {
    expect(normalise({ resource: undefined, body })).toStrictEqual({
      kind: 'unknown',
      source: 'plugin',
      resource: 'unknown',
      action: 'unknown',
      level: null,
      title: 'Unrecognised Sentry payload',
      titlePhrase: { kind: 'unrecognised' },
      fields: [{ label: 'Body', ...value }],
      dedupKey: null,
    });
  });

  it('an array body with a resource header', () => {
    expect(normalise({ resource: 'issue', body: [{ id: 1 }] })).toStrictEqual({
      kind: 'unknown',
      source: 'integration',
      resource: 'issue',
      action: 'unknown',
      level: null,
      title: 'Sentry sent issue',
      titlePhrase: { kind: 'unrecognised', webhook: 'issue' },
      fields: [{ label: 'Body', value: 'array of 1 item', phrase: { kind: 'list', items: 1 } }],
      unexpected: 'Sentry sent issue without a readable data.issue: the message shows what could be found',
      dedupKey: null,
    });
  });
});

describe('a known resource in a shape the normaliser does not read', () => {
  const WEB = 'https://sentry.example.com/organizations/acme/issues/77/';
  const salvage = (resource: string, data: unknown, extra: Record<string, unknown> = {}) =>
    normalise({ resource, body: { action: 'created', data, ...extra } });

  it.each([
    [
      'error, event under another key',
      'error',
      { payload: { title: 'KeyError: cart', web_url: WEB, url: 'https://sentry.example.com/api/0/projects/acme/shop/events/1/', issue_id: 77, level: 'warning' } },
      { title: 'KeyError: cart', url: WEB, project: 'shop', issueId: '77', level: 'warning' },
    ],
    [
      'error, the bare event as data',
      'error',
      { metadata: { type: 'TypeError', value: 'x is undefined' }, permalink: WEB, project_slug: 'web' },
      { title: 'TypeError: x is undefined', url: WEB, project: 'web' },
    ],
    [
      'issue renamed to group, project as an object',
      'issue',
      { group: { title: 'Slow query', shortId: 'API-7', permalink: WEB, project: { slug: 'api', name: 'API' }, level: 'info' } },
      { title: 'Slow query', url: WEB, project: 'api', shortId: 'API-7', level: 'info' },
    ],
    [
      'event_alert with only a message and the API url',
      'event_alert',
      { alert: { message: 'disk full', url: 'https://sentry.example.com/api/0/projects/acme/infra/events/9/' } },
      { title: 'disk full', project: 'infra' },
    ],
    [
      'metric_alert with the title at the top of data',
      'metric_alert',
      { title: 'p95 above 2 s', web_url: WEB },
      { title: 'p95 above 2 s', url: WEB },
    ],
  ])('%s', (_name, resource, data, expected) => {
    const alert = salvage(resource, data);
    expect(alert).toMatchObject({ kind: 'unknown', resource, action: 'created', ...expected });
    expect(alert.fields).toEqual([{ label: 'Webhook', value: `${resource}.created` }]);
    expect(alert.unexpected).toMatch(new RegExp(`^Sentry sent ${resource}\\.created without a readable data`));
    expect(alert.title).not.toMatch(/^Sentry sent/);
  });

  it('a title is preferred to a message, wherever each is', () => {
    const alert = salvage('error', { a: { message: 'from a message' }, b: { title: 'from a title' } });
    expect(alert.title).toBe('from a title');
  });

  it('a javascript: link or an API URL is never the link', () => {
    const alert = salvage('error', { x: { title: 't', web_url: 'javascript:alert(1)', url: 'https://sentry.io/api/0/issues/1/' } });
    expect(alert.url).toBeUndefined();
  });

  it('nothing findable: says which webhook arrived, and lists what it has', () => {
    const alert = salvage('error', { count: 3 });
    expect(alert).toMatchObject({
      kind: 'unknown',
      title: 'Sentry sent error.created',
      fields: [
        { label: 'Keys', value: 'action, data' },
        { label: 'action', value: 'created' },
        { label: 'data.count', value: '3' },
      ],
    });
    expect(alert.unexpected).toBeDefined();
  });

  it('an unknown resource is not a shape problem', () => {
    expect(salvage('preprod_artifact', { thing: { title: 'T' } }).unexpected).toBeUndefined();
  });

  it('thousands of data keys: bounded work, still an alert', () => {
    const data = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, { n: i }]));
    expect(salvage('error', data).title).toBe('Sentry sent error.created');
  });
});

// ---------------------------------------------------------------- hostile input

describe('hostile shapes never throw', () => {
  it('wrong types everywhere in an event', () => {
    const body = errorBody({
      title: 42,
      metadata: [],
      exception: 'x',
      stacktrace: { frames: null },
      threads: { values: 'nope' },
      tags: { a: 1 },
      culprit: 7,
      level: {},
      environment: ['prod'],
      release: { version: '1' },
      web_url: 'javascript:alert(1)',
      event_id: {},
      issue_id: 1.5,
      datetime: 'not a date',
      timestamp: 'soon',
      url: 12,
    });
    expect(normalise({ resource: 'error', body })).toStrictEqual({
      kind: 'event',
      source: 'integration',
      resource: 'error',
      action: 'created',
      level: null,
      title: 'Sentry event',
      titlePhrase: { kind: 'untitled', what: 'event' },
      fields: [],
      dedupKey: null,
    });
  });

  it('garbage inside exception values and frames', () => {
    const body = errorBody({
      event_id: 'e1',
      culprit: 'c',
      exception: { values: [null, 1, 'x', [], { stacktrace: { frames: null } }, { stacktrace: { frames: [null, 3, 'f', {}] } }] },
    });
    const alert = normalise({ resource: 'error', body });
    expect([alert.location, alert.title]).toEqual(['c', 'c']);
  });

  it('wrong types everywhere in an issue', () => {
    const body = {
      action: 'resolved',
      actor: 'me',
      data: {
        issue: { id: {}, title: [], count: 'many', userCount: -1, project: 5, level: 'loud', lastSeen: 1e20, statusDetails: 'x', substatus: 42, permalink: 'ftp://x/y' },
        resolution_type: 5,
      },
    };
    expect(normalise({ resource: 'issue', body })).toStrictEqual({
      kind: 'issue',
      source: 'integration',
      resource: 'issue',
      action: 'resolved',
      level: null,
      title: 'Sentry issue',
      titlePhrase: { kind: 'untitled', what: 'issue' },
      status: 'resolved',
      fields: [],
      dedupKey: null,
    });
  });

  it('wrong types in metric, comment, seer and installation bodies', () => {
    const cases: Array<[string, unknown]> = [
      ['metric_alert', { action: 7, data: { metric_alert: { alert_rule: 'x', id: [] }, description_text: 5, web_url: 'data:text/html,hi' } }],
      ['comment', { action: 'created', data: { comment: { text: 'x' }, comment_id: 1, issue_id: {}, timestamp: [] } }],
      ['seer', { action: 'pr_created', data: { run_id: 'r', pull_requests: 'x', root_cause: { steps: 'x' }, solution: { steps: [null] }, changes: {} } }],
      ['installation', { action: null, data: { installation: 'x' }, installation: [] }],
    ];
    for (const [resource, body] of cases) {
      const alert = normalise({ resource, body });
      expect(alert.kind).not.toBe('unknown');
      expect(alert.title.length).toBeGreaterThan(0);
      expect(alert.url).toBeUndefined();
    }
  });

  it('deeply nested garbage', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { event: deep, data: deep };
    expect(normalise({ resource: undefined, body: deep }).kind).toBe('unknown');
    expect(normalise({ resource: 'issue', body: { action: 'x', data: { issue: deep } } }).kind).toBe('issue');
    const alert = normalise({ resource: 'error', body: errorBody({ event_id: 'e', exception: { values: [{ stacktrace: { frames: [deep] } }] }, tags: [deep] }) });
    expect(alert.kind).toBe('event');
  });

  it('huge strings: text is kept for the renderer, names and keys are bounded', () => {
    const huge = 'x'.repeat(2_000_000);
    const alert = normalise({ resource: `error${huge}`, body: errorBody({ event_id: huge, title: huge }) });
    expect(alert.kind).toBe('unknown');
    expect(alert.resource.length).toBeLessThanOrEqual(64);
    expect(alert.title.length).toBeLessThan(100);
    const event = normalise({ resource: 'error', body: errorBody({ event_id: huge, title: huge }) });
    expect(event.title).toHaveLength(2_000_000);
    expect(event.dedupKey?.length).toBeLessThan(200);
  });

  it.each(['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.com/x', '/issues/1/', 'not a url', 42])(
    'non-http url %j is dropped',
    (url) => {
      const body = fixture('legacy-webhooks-plugin.json');
      body.url = url;
      const alert = normalise({ resource: undefined, body });
      expect(alert).not.toHaveProperty('url');
      expect(alert.kind).toBe('event');
    },
  );

  it('http urls are kept', () => {
    const body = fixture('legacy-webhooks-plugin.json');
    body.url = 'http://sentry.internal:9000/organizations/o/issues/1/';
    expect(normalise({ resource: undefined, body }).url).toBe('http://sentry.internal:9000/organizations/o/issues/1/');
  });

  it('a body whose property reads throw still yields an unknown alert', () => {
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(normalise({ resource: 'issue', body: trap })).toStrictEqual({
      kind: 'unknown',
      source: 'integration',
      resource: 'unknown',
      action: 'unknown',
      level: null,
      title: 'Unrecognised Sentry payload',
      titlePhrase: { kind: 'unrecognised' },
      fields: [],
      dedupKey: null,
    });
  });

  it('__proto__ keys in JSON neither pollute nor confuse', () => {
    const body: unknown = JSON.parse('{"__proto__":{"data":{"issue":{"id":"9"}}},"action":"created"}');
    const alert = normalise({ resource: undefined, body });
    expect(alert.kind).toBe('unknown');
    expect(({} as Record<string, unknown>).data).toBeUndefined();
  });

  it('a blank header falls back to inference; header case is ignored', () => {
    const body = fixture('issue.created.json');
    expect(normalise({ resource: '  ', body }).kind).toBe('issue');
    expect(normalise({ resource: 'ISSUE', body }).resource).toBe('issue');
  });
});

// ---------------------------------------------------------------- levelFromAny

describe('levelFromAny', () => {
  it.each([
    ['error', 'error'],
    ['ERROR', 'error'],
    [' Warn ', 'warning'],
    ['warning', 'warning'],
    ['critical', 'fatal'],
    ['FATAL', 'fatal'],
    ['info', 'info'],
    ['log', 'info'],
    ['debug', 'debug'],
    ['trace', 'debug'],
    [50, 'fatal'],
    [40, 'error'],
    [30, 'warning'],
    [20, 'info'],
    [10, 'debug'],
    ['40', 'error'],
    [45, null],
    [0, null],
    [Number.NaN, null],
    ['loud', null],
    ['constructor', null],
    ['', null],
    [null, null],
    [undefined, null],
    [{}, null],
    [['error'], null],
    ['error'.repeat(100), null],
  ])('%j → %j', (input, level) => {
    expect(levelFromAny(input)).toBe(level);
  });
});
