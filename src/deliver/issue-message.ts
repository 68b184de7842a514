// One message per Sentry issue, kept in sync. Pure: given the issue's message as it stands
// and the alerts waiting for it, decide whether they edit it, start a new message (a
// regression, or a repeat long after the last one), or are held back by a mute; and what the
// message says afterwards. The dispatcher carries the decision out.
import { actionLine, clock, statusAfter, type IssueStatus, type SentryAction } from '../act/actions.js';
import type { InlineButton } from '../telegram/types.js';
import { isLifecycleAction } from '../group/group-key.js';
import type { Alert } from '../normalise/alert.js';
import { render, type Rendered } from '../render/render.js';

export interface IssueState {
  status: IssueStatus;
  substatus: string | null;
  assignee: string | null;
  /** What last happened, e.g. "✅ Resolved by @jane · 14:02 UTC"; null on a fresh alert. */
  line: string | null;
  by: string | null;
  at: number | null;
}

export const OPEN: IssueState = { status: 'unresolved', substatus: null, assignee: null, line: null, by: null, at: null };

/** How a waiting alert bears on its issue: a new occurrence, or a lifecycle change. */
export type RowKind = 'occurrence' | 'created' | 'resolved' | 'ignored' | 'unresolved' | 'assigned';

const OCCURRENCE_RESOURCES: ReadonlySet<string> = new Set(['legacy', 'event_alert', 'error']);

/** Null for rows that are not about an issue's state or occurrences. */
export function rowKind(resource: string, action: string): RowKind | null {
  if (resource === 'issue') return isLifecycleAction(action) ? (action as RowKind) : null;
  return OCCURRENCE_RESOURCES.has(resource) ? 'occurrence' : null;
}

/** The state a first message shows: an issue payload says it, an error event means "open". */
export function stateFromAlert(alert: Alert): IssueState {
  if (alert.kind !== 'issue') return OPEN;
  const status: IssueStatus = alert.status === 'resolved' ? 'resolved' : alert.status === 'archived' ? 'ignored' : 'unresolved';
  return { ...OPEN, status, assignee: alert.assignee ?? null };
}

export interface Incoming {
  kind: RowKind;
  receivedAt: number;
  /** The parsed alert; read only when needed (bodies are large, occurrences many). */
  alert: () => Alert;
}

/** "by Jane" for a person; Sentry itself (auto-resolve, escalation) is not named. */
function byActor(alert: Alert): { text: string; who: string | null } {
  const who = alert.actor && alert.actor.toLowerCase() !== 'sentry' ? alert.actor : null;
  return { text: who ? ` by ${who}` : '', who };
}

/** One waiting alert applied to the state. A regression is reported, not applied. */
export function applyIncoming(state: IssueState, row: Incoming): { state: IssueState; regression: boolean } {
  const same = { state, regression: false };
  switch (row.kind) {
    case 'occurrence':
      return { state, regression: state.status === 'resolved' };
    case 'created':
      return same;
    case 'resolved': {
      if (state.status === 'resolved') return same;
      const by = byActor(row.alert());
      return {
        state: { ...state, status: 'resolved', substatus: null, line: `✅ Resolved in Sentry${by.text} · ${clock(row.receivedAt)}`, by: by.who, at: row.receivedAt },
        regression: false,
      };
    }
    case 'ignored': {
      if (state.status === 'ignored') return same;
      const alert = row.alert();
      const by = byActor(alert);
      const how = alert.fields.find((f) => f.label === 'Archived')?.value;
      return {
        state: {
          ...state,
          status: 'ignored',
          substatus: null,
          line: `🔕 Archived in Sentry${how ? ` (${how})` : ''}${by.text} · ${clock(row.receivedAt)}`,
          by: by.who,
          at: row.receivedAt,
        },
        regression: false,
      };
    }
    case 'unresolved': {
      if (state.status === 'resolved') return { state, regression: true };
      if (state.status !== 'ignored') return same;
      const by = byActor(row.alert());
      return {
        state: { ...state, status: 'unresolved', substatus: null, line: `🔄 Unarchived in Sentry${by.text} · ${clock(row.receivedAt)}`, by: by.who, at: row.receivedAt },
        regression: false,
      };
    }
    case 'assigned': {
      const assignee = row.alert().assignee ?? null;
      return assignee === state.assignee ? same : { state: { ...state, assignee }, regression: false };
    }
  }
}

/** The state of a resolved issue that came back. */
export function regressed(prev: IssueState, row: Incoming): IssueState {
  const by = row.kind === 'unresolved' ? byActor(row.alert()) : { text: '', who: null };
  const reason = row.kind === 'unresolved' ? `unresolved in Sentry${by.text}` : 'a new event after it was resolved';
  return { ...prev, status: 'unresolved', substatus: null, line: `🔁 Regressed: ${reason} · ${clock(row.receivedAt)}`, by: by.who, at: row.receivedAt };
}

/** A button press that Sentry accepted, applied to the state. */
export function applyAction(
  state: IssueState,
  action: { code: SentryAction; who: string; at: number; status?: string | null; substatus?: string | null },
): IssueState {
  const answered = action.status === 'resolved' || action.status === 'ignored' || action.status === 'unresolved' ? action.status : null;
  return {
    ...state,
    status: answered ?? statusAfter(action.code),
    substatus: action.substatus ?? null,
    line: actionLine(action.code, action.who, action.at),
    by: action.who,
    at: action.at,
  };
}

/** What an issue message shows: its body alert, the issue state, occurrences and when last seen. */
export interface IssueView {
  body: Alert;
  state: IssueState;
  /** Occurrences (error events) reflected; lifecycle webhooks are not counted. */
  count: number;
  firstSeen: number;
  lastSeen: number;
}

export type IssuePlan =
  /** Leave the message alone: the issue is muted in this chat. */
  | { do: 'mute'; take: number }
  /** Edit the issue's message to show `view`. */
  | { do: 'edit'; take: number; view: IssueView }
  /**
   * Post a new message; with `reply`, it answers the current one and takes over its buttons:
   * after a `regression`, or for a repeat after a quiet storm window.
   */
  | { do: 'send'; take: number; view: IssueView; reply: boolean; regression: boolean };

export interface PlanContext {
  muted: boolean;
  now: number;
  /** Occurrences after this long without one start a new message (storm window). */
  windowMs: number;
}

function counts(row: Incoming): boolean {
  return row.kind === 'occurrence';
}

/** Folds rows from `from` into `view` until one would regress the issue; returns how many were taken. */
function fold(start: IssueView, rows: Incoming[], from: number, stopAt: (row: Incoming) => boolean, regressInPlace: boolean) {
  const view: IssueView = { ...start };
  let i = from;
  for (; i < rows.length; i++) {
    const row = rows[i]!;
    if (stopAt(row)) break;
    const t = applyIncoming(view.state, row);
    if (t.regression) {
      if (!regressInPlace) break;
      view.state = regressed(view.state, row);
    } else {
      view.state = t.state;
    }
    if (counts(row)) {
      view.count += 1;
      view.lastSeen = row.receivedAt;
      // An error event shows more (location, environment, release) than the issue payload.
      if (view.body.kind !== 'event') view.body = row.alert();
    }
  }
  return { view, take: i };
}

const never = () => false;

/**
 * Decides what the first waiting alerts of one issue do to its message. `rows` are in arrival
 * order; the plan consumes the first `take` of them and leaves the rest for the next round.
 */
export function planIssue(current: IssueView | null, rows: Incoming[], ctx: PlanContext): IssuePlan {
  const first = rows[0];
  if (!first) throw new Error('planIssue: no rows');

  if (!current) {
    if (ctx.muted) return { do: 'mute', take: rows.length };
    const alert = first.alert();
    const start: IssueView = {
      body: alert,
      state: stateFromAlert(alert),
      count: counts(first) ? 1 : 0,
      firstSeen: first.receivedAt,
      lastSeen: first.receivedAt,
    };
    const { view, take } = fold(start, rows, 1, never, false);
    return { do: 'send', take, view, reply: false, regression: false };
  }

  if (ctx.muted) {
    // New occurrences stay silent; lifecycle changes still edit the message (edits are silent),
    // and a regression is shown in place rather than as a new message.
    const quiet = (r: Incoming) => r.kind === 'occurrence' || r.kind === 'created';
    if (quiet(first)) {
      let take = 1;
      while (take < rows.length && quiet(rows[take]!)) take++;
      return { do: 'mute', take };
    }
    const { view, take } = fold(current, rows, 0, quiet, true);
    return { do: 'edit', take, view };
  }

  const t = applyIncoming(current.state, first);
  const stale = counts(first) && current.count > 0 && ctx.now - current.lastSeen >= ctx.windowMs;
  if (t.regression || stale) {
    const start: IssueView = {
      body: counts(first) ? first.alert() : current.body,
      state: t.regression ? regressed(current.state, first) : current.state,
      count: counts(first) ? 1 : 0,
      firstSeen: first.receivedAt,
      lastSeen: first.receivedAt,
    };
    const { view, take } = fold(start, rows, 1, never, false);
    return { do: 'send', take, view, reply: true, regression: t.regression };
  }
  const { view, take } = fold(current, rows, 0, never, false);
  return { do: 'edit', take, view };
}

/** The lines under the alert that say where the issue stands. */
export function statusBlock(view: IssueView): string | undefined {
  const lines = [view.state.line, view.body.kind !== 'issue' && view.state.assignee ? `👤 Assigned to: ${view.state.assignee}` : null];
  const text = lines.filter((l): l is string => Boolean(l)).join('\n');
  return text || undefined;
}

/** The issue message; `buttons` undefined means the plain "View in Sentry" link button. */
export function renderIssueMessage(view: IssueView, buttons?: InlineButton[][]): Rendered {
  const body = view.body.kind === 'issue' ? { ...view.body, assignee: view.state.assignee ?? undefined } : view.body;
  const status = statusBlock(view);
  return render(body, {
    ...(view.count > 1 ? { repeat: { count: view.count, lastSeen: clock(view.lastSeen) } } : {}),
    ...(status ? { status } : {}),
    ...(buttons ? { buttons } : {}),
  });
}

export function sameRendering(a: Rendered, b: Rendered): boolean {
  return a.html === b.html && JSON.stringify(a.buttons) === JSON.stringify(b.buttons);
}
