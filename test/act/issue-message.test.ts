// One message per issue, decided by pure functions: which waiting alerts edit the message,
// which start a new one, which a mute holds back, and what the message then says.
import { describe, expect, it } from 'vitest';
import { actionKeyboard } from '../../src/render/keyboard.js';
import { planIssue, type IssueView } from '../../src/issue/plan.js';
import { applyAction, applyChange, OPEN, rowKind, stateFromAlert, type IssueChange, type IssueState, type RowKind } from '../../src/issue/state.js';
import { renderIssueMessage, statusBlock } from '../../src/render/issue-message.js';
import { groupKey } from '../../src/group/group-key.js';
import type { Alert } from '../../src/normalise/alert.js';

const T0 = Date.UTC(2025, 0, 2, 14, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

function eventAlert(title = 'KeyError: user'): Alert {
  return {
    kind: 'event', source: 'integration', resource: 'event_alert', action: 'triggered', level: 'error', title,
    location: 'app.py:10 in handler', project: 'web', issueId: '42', url: 'https://sentry.io/organizations/acme/issues/42/',
    rule: 'rule', fields: [], dedupKey: null,
  };
}

function issueAlert(action: string, over: Partial<Alert> = {}): Alert {
  return {
    kind: 'issue', source: 'integration', resource: 'issue', action, level: 'error', title: 'KeyError: user',
    issueId: '42', shortId: 'WEB-7', url: 'https://sentry.io/organizations/acme/issues/42/', fields: [], dedupKey: null,
    status: action === 'ignored' ? 'archived' : action === 'created' ? 'unresolved' : action, ...over,
  };
}

function row(kind: RowKind, minutes: number, alert?: Alert): IssueChange {
  const a = alert ?? (kind === 'occurrence' ? eventAlert() : issueAlert(kind));
  return { kind, receivedAt: T0 + minutes * MIN, alert: () => a };
}

function view(over: Partial<IssueView> = {}, state: Partial<IssueState> = {}): IssueView {
  return { body: eventAlert(), state: { ...OPEN, ...state }, count: 1, firstSeen: T0, lastSeen: T0, ...over };
}

const ctx = { muted: false, now: T0 + 10 * MIN, windowMs: HOUR };

describe('which alerts belong to an issue', () => {
  it.each([
    [eventAlert(), 'issue:42'],
    [issueAlert('created'), 'issue:42'],
    [issueAlert('resolved', { project: 'Web Frontend' }), 'issue:42'],
    [issueAlert('ignored'), 'issue:42'],
    [issueAlert('unresolved'), 'issue:42'],
    [issueAlert('assigned'), 'issue:42'],
    [issueAlert('deleted'), null],
    [{ ...eventAlert(), issueId: undefined }, null],
    [{ ...eventAlert(), kind: 'comment' as const }, null],
  ])('%#: %s', (alert, key) => {
    expect(groupKey(alert)).toBe(key);
  });

  it.each([
    ['event_alert', 'triggered', 'occurrence'],
    ['legacy', 'triggered', 'occurrence'],
    ['error', 'created', 'occurrence'],
    ['issue', 'resolved', 'resolved'],
    ['issue', 'frobnicated', null],
    ['metric_alert', 'critical', null],
  ])('%s.%s is %s', (resource, action, kind) => {
    expect(rowKind(resource, action)).toBe(kind);
  });
});

describe('state changes from webhooks', () => {
  const at = T0 + 2 * MIN;
  const jane = { actor: 'Jane Doe' };
  it.each<[string, Partial<IssueState>, RowKind, Partial<Alert>, { state: Partial<IssueState>; regression: boolean }]>([
    ['a repeat of an open issue', {}, 'occurrence', {}, { state: {}, regression: false }],
    ['a repeat of a resolved issue regresses', { status: 'resolved' }, 'occurrence', {}, { state: { status: 'resolved' }, regression: true }],
    ['resolved by a person', {}, 'resolved', jane, { state: { status: 'resolved', line: '✅ Resolved in Sentry by Jane Doe · 14:02 UTC', by: 'Jane Doe', at }, regression: false }],
    ['resolved by Sentry itself', {}, 'resolved', { actor: 'Sentry' }, { state: { status: 'resolved', line: '✅ Resolved in Sentry · 14:02 UTC', by: null, at }, regression: false }],
    ['resolved again: nothing changes', { status: 'resolved', line: '✅ Resolved by @jane · 14:01 UTC' }, 'resolved', jane, { state: { status: 'resolved', line: '✅ Resolved by @jane · 14:01 UTC' }, regression: false }],
    [
      'archived',
      {},
      'ignored',
      { ...jane, fields: [{ label: 'Archived', value: 'until escalating' }] },
      { state: { status: 'ignored', line: '🔕 Archived in Sentry (until escalating) by Jane Doe · 14:02 UTC', by: 'Jane Doe', at }, regression: false },
    ],
    ['unarchived', { status: 'ignored' }, 'unresolved', jane, { state: { status: 'unresolved', line: '🔄 Unarchived in Sentry by Jane Doe · 14:02 UTC', by: 'Jane Doe', at }, regression: false }],
    ['unresolved after resolved regresses', { status: 'resolved' }, 'unresolved', jane, { state: { status: 'resolved' }, regression: true }],
    ['assigned', {}, 'assigned', { assignee: 'Jane Doe' }, { state: { assignee: 'Jane Doe' }, regression: false }],
    ['created for an existing message', { status: 'resolved' }, 'created', {}, { state: { status: 'resolved' }, regression: false }],
  ])('%s', (_name, before, kind, alert, expected) => {
    const r: IssueChange = { kind, receivedAt: at, alert: () => issueAlert(kind === 'occurrence' ? 'created' : kind, alert) };
    expect(applyChange({ ...OPEN, ...before }, r)).toEqual({ state: { ...OPEN, ...before, ...expected.state }, regression: expected.regression });
  });

  it('a press Sentry accepted: its answer decides the status, the line names the presser', () => {
    expect(applyAction({ ...OPEN, assignee: 'Ann' }, { code: 'ae', who: '@jane', at: T0, status: 'ignored', substatus: 'archived_until_escalating' })).toEqual({
      status: 'ignored',
      substatus: 'archived_until_escalating',
      assignee: 'Ann',
      line: '🔕 Archived until escalating by @jane · 14:00 UTC',
      by: '@jane',
      at: T0,
    });
    expect(applyAction(OPEN, { code: 'r', who: 'Jane', at: T0, status: 'weird' }).status).toBe('resolved');
  });

  it.each([
    [eventAlert(), OPEN],
    [issueAlert('resolved'), { ...OPEN, status: 'resolved' }],
    [issueAlert('ignored'), { ...OPEN, status: 'ignored' }],
    [issueAlert('assigned', { assignee: 'Ann' }), { ...OPEN, assignee: 'Ann' }],
  ])('a first message from %#: %j', (alert, state) => {
    expect(stateFromAlert(alert)).toEqual(state);
  });
});

describe('planning the waiting alerts of one issue', () => {
  it('no message yet: one new message with every repeat counted', () => {
    const plan = planIssue(null, [row('occurrence', 0), row('occurrence', 1), row('occurrence', 2)], ctx);
    expect(plan).toMatchObject({ do: 'send', take: 3, reply: false, regression: false, view: { count: 3, firstSeen: T0, lastSeen: T0 + 2 * MIN, state: OPEN } });
  });

  it('no message yet, but a resolve came in the same batch: the new message already says so', () => {
    const plan = planIssue(null, [row('occurrence', 0), row('resolved', 1)], ctx);
    expect(plan).toMatchObject({ do: 'send', take: 2, view: { count: 1, state: { status: 'resolved' } } });
  });

  it('a regression inside one batch splits it: the rest waits for the next round', () => {
    const plan = planIssue(null, [row('occurrence', 0), row('resolved', 1), row('occurrence', 2), row('occurrence', 3)], ctx);
    expect(plan).toMatchObject({ do: 'send', take: 2 });
  });

  it('repeats edit the message, counting and moving last seen', () => {
    const plan = planIssue(view({ count: 2 }), [row('occurrence', 5)], ctx);
    expect(plan).toEqual({ do: 'edit', take: 1, view: { ...view({ count: 3 }), lastSeen: T0 + 5 * MIN } });
  });

  it('lifecycle webhooks edit the message however old it is, and are not counted', () => {
    const old = view({ count: 4, lastSeen: T0 - 30 * 24 * HOUR });
    const plan = planIssue(old, [row('resolved', 5)], ctx);
    expect(plan).toMatchObject({ do: 'edit', take: 1, view: { count: 4, lastSeen: old.lastSeen, state: { status: 'resolved' } } });
  });

  it('issue.created after the event alert: the same message, not a second count', () => {
    expect(planIssue(view(), [row('created', 1)], ctx)).toEqual({ do: 'edit', take: 1, view: view() });
  });

  it('the event alert after issue.created: the message becomes the event alert, counted once', () => {
    const created = view({ body: issueAlert('created'), count: 0 });
    const plan = planIssue(created, [row('occurrence', 1)], ctx);
    expect(plan).toMatchObject({ do: 'edit', view: { count: 1, body: { kind: 'event' } } });
  });

  it('a new event for a resolved issue: a new message replying to the old one', () => {
    const plan = planIssue(view({}, { status: 'resolved', line: '✅ Resolved by @jane · 14:01 UTC' }), [row('occurrence', 3), row('occurrence', 4)], ctx);
    expect(plan).toMatchObject({
      do: 'send',
      reply: true,
      regression: true,
      take: 2,
      view: { count: 2, state: { status: 'unresolved', line: '🔁 Regressed: a new event after it was resolved · 14:03 UTC' } },
    });
  });

  it('issue.unresolved after resolved: a new message with the old body', () => {
    const body = eventAlert('the original');
    const plan = planIssue(view({ body }, { status: 'resolved' }), [row('unresolved', 3, issueAlert('unresolved', { actor: 'Jane' }))], ctx);
    expect(plan).toMatchObject({
      do: 'send',
      reply: true,
      regression: true,
      view: { body, count: 0, state: { status: 'unresolved', line: '🔁 Regressed: unresolved in Sentry by Jane · 14:03 UTC' } },
    });
  });

  it('a repeat long after the last one starts a new message (storm window), keeping the state', () => {
    const plan = planIssue(view({}, { status: 'ignored', line: 'archived' }), [row('occurrence', 90)], { ...ctx, now: T0 + 90 * MIN });
    expect(plan).toMatchObject({ do: 'send', reply: true, regression: false, view: { count: 1, state: { status: 'ignored', line: 'archived' } } });
  });

  it('muted, no message: everything is held back', () => {
    expect(planIssue(null, [row('occurrence', 0), row('resolved', 1)], { ...ctx, muted: true })).toEqual({ do: 'mute', take: 2 });
  });

  it('muted: occurrences are held back, lifecycle changes still edit, a regression is shown in place', () => {
    const resolved = view({}, { status: 'resolved' });
    const rows = [row('occurrence', 1), row('created', 2), row('unresolved', 3), row('occurrence', 4)];
    expect(planIssue(resolved, rows, { ...ctx, muted: true })).toEqual({ do: 'mute', take: 2 });
    const next = planIssue(resolved, rows.slice(2), { ...ctx, muted: true });
    expect(next).toMatchObject({ do: 'edit', take: 1, view: { count: 1, state: { status: 'unresolved', line: expect.stringMatching(/^🔁 Regressed/) } } });
  });

  it('refuses an empty unit', () => {
    expect(() => planIssue(null, [], ctx)).toThrow(/no rows/);
  });
});

describe('what the message says', () => {
  const KEY = 'k123456789';

  it('an error alert after a resolve, with the assignee and the switched buttons', () => {
    const v = view({ count: 3, lastSeen: T0 + 5 * MIN }, { status: 'resolved', line: '✅ Resolved by @jane · 14:06 UTC', assignee: 'Ann <ann@example.com>' });
    const r = renderIssueMessage(v, actionKeyboard(v.state.status, KEY, v.body.url));
    expect(r.plain).toMatchInlineSnapshot(`
      "❌ SENTRY ALERT

      ERROR: KeyError: user
      🔁 Seen 3 times here · last 14:05 UTC

      📍 Location: app.py:10 in handler

      🗂 Project: web
      🔔 Rule: rule

      ✅ Resolved by @jane · 14:06 UTC
      👤 Assigned to: Ann <ann@example.com>

      🔗 View in Sentry: https://sentry.io/organizations/acme/issues/42/"
    `);
    expect(r.html).toContain('👤 Assigned to: Ann &lt;ann@example.com&gt;');
    expect(r.buttons).toEqual([[{ text: 'Unresolve', callback_data: `a:${KEY}:ur` }, { text: 'Open in Sentry', url: v.body.url }]]);
  });

  it('without write-back: the link button only', () => {
    expect(renderIssueMessage(view()).buttons).toEqual([[{ text: 'View in Sentry', url: 'https://sentry.io/organizations/acme/issues/42/' }]]);
  });

  it('an issue payload shows the assignee in its own line, not twice', () => {
    const v = view({ body: issueAlert('created', { assignee: 'old' }), count: 0 }, { assignee: 'Ann' });
    const r = renderIssueMessage(v);
    expect(r.plain).toContain('👤 Assigned to: Ann');
    expect(r.plain).not.toContain('old');
    expect(statusBlock(v)).toBeUndefined();
  });

  it('a fresh alert has no status block', () => {
    expect(statusBlock(view())).toBeUndefined();
  });
});
