// Where a Sentry issue stands, as its Telegram message shows it, and how waiting alerts and
// accepted button presses change that. Pure.
import { isLifecycleAction } from '../group/group-key.js';
import type { Alert } from '../normalise/alert.js';
import { messages, type Locale } from '../i18n/index.js';
import { fieldValue } from '../i18n/phrases.js';
import { actionLine, type SentryAction } from './actions.js';
import { clock } from './clock.js';

/**
 * The status an issue message shows. Sentry's own vocabulary (sentry/api.ts ShownStatus) has
 * more values; they are folded into these three.
 */
export type ShownStatus = 'unresolved' | 'resolved' | 'ignored';

/** The status an action leaves the issue in. */
export function statusAfter(code: SentryAction): ShownStatus {
  return code === 'r' ? 'resolved' : code === 'ur' || code === 'ua' ? 'unresolved' : 'ignored';
}

export interface IssueState {
  status: ShownStatus;
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
  const status: ShownStatus = alert.status === 'resolved' ? 'resolved' : alert.status === 'archived' ? 'ignored' : 'unresolved';
  return { ...OPEN, status, assignee: alert.assignee ?? null };
}

export interface IssueChange {
  kind: RowKind;
  receivedAt: number;
  /** The parsed alert; read only when needed (bodies are large, occurrences many). */
  alert: () => Alert;
}

/** The person who acted; Sentry itself (auto-resolve, escalation) is not named. */
function byActor(alert: Alert): { who: string | null } {
  const who = alert.actor && alert.actor.toLowerCase() !== 'sentry' ? alert.actor : null;
  return { who };
}

/** One waiting alert (a change to the issue) applied to the state. A regression is reported, not applied. */
export function applyChange(state: IssueState, row: IssueChange, locale: Locale = 'en'): { state: IssueState; regression: boolean } {
  const t = messages(locale);
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
        state: { ...state, status: 'resolved', substatus: null, line: t.resolvedInSentry(by.who, clock(row.receivedAt)), by: by.who, at: row.receivedAt },
        regression: false,
      };
    }
    case 'ignored': {
      if (state.status === 'ignored') return same;
      const alert = row.alert();
      const by = byActor(alert);
      const archived = alert.fields.find((f) => f.label === 'Archived');
      const how = archived ? fieldValue(archived, locale) : undefined;
      return {
        state: {
          ...state,
          status: 'ignored',
          substatus: null,
          line: t.archivedInSentry(how ?? null, by.who, clock(row.receivedAt)),
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
        state: { ...state, status: 'unresolved', substatus: null, line: t.unarchivedInSentry(by.who, clock(row.receivedAt)), by: by.who, at: row.receivedAt },
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
export function regressed(prev: IssueState, row: IssueChange, locale: Locale = 'en'): IssueState {
  const t = messages(locale);
  const by = row.kind === 'unresolved' ? byActor(row.alert()) : { who: null };
  const at = clock(row.receivedAt);
  const line = row.kind === 'unresolved' ? t.regressedUnresolved(by.who, at) : t.regressedNewEvent(at);
  return { ...prev, status: 'unresolved', substatus: null, line, by: by.who, at: row.receivedAt };
}

/** A button press that Sentry accepted, applied to the state. */
export function applyAction(
  state: IssueState,
  action: { code: SentryAction; who: string; at: number; status?: string | null; substatus?: string | null },
  locale: Locale = 'en',
): IssueState {
  const answered = action.status === 'resolved' || action.status === 'ignored' || action.status === 'unresolved' ? action.status : null;
  return {
    ...state,
    status: answered ?? statusAfter(action.code),
    substatus: action.substatus ?? null,
    line: actionLine(action.code, action.who, action.at, locale),
    by: action.who,
    at: action.at,
  };
}

/** What an issue message shows: its body alert, the issue state, occurrences and when last seen. */
