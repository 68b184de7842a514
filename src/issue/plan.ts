// One message per Sentry issue, kept in sync. Pure: given the issue's message as it stands
// and the alerts waiting for it, decide whether they edit it, start a new message (a
// regression, or a repeat long after the last one), or are held back by a mute. deliver/
// carries the plan out; render/issue-message.ts draws the result.
import type { Locale } from '../i18n/index.js';
import type { Alert } from '../normalise/alert.js';
import { applyChange, regressed, stateFromAlert, type IssueChange, type IssueState } from './state.js';

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
  /** The language of the status lines; English when absent. */
  locale?: Locale;
}

function counts(row: IssueChange): boolean {
  return row.kind === 'occurrence';
}

/** Folds rows from `from` into `view` until one would regress the issue; returns how many were taken. */
function fold(
  start: IssueView,
  rows: IssueChange[],
  from: number,
  stopAt: (row: IssueChange) => boolean,
  regressInPlace: boolean,
  locale: Locale = 'en',
) {
  const view: IssueView = { ...start };
  let i = from;
  for (; i < rows.length; i++) {
    const row = rows[i]!;
    if (stopAt(row)) break;
    const t = applyChange(view.state, row, locale);
    if (t.regression) {
      if (!regressInPlace) break;
      view.state = regressed(view.state, row, locale);
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
export function planIssue(current: IssueView | null, rows: IssueChange[], ctx: PlanContext): IssuePlan {
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
    const { view, take } = fold(start, rows, 1, never, false, ctx.locale);
    return { do: 'send', take, view, reply: false, regression: false };
  }

  if (ctx.muted) {
    // New occurrences stay silent; lifecycle changes still edit the message (edits are silent),
    // and a regression is shown in place rather than as a new message.
    const quiet = (r: IssueChange) => r.kind === 'occurrence' || r.kind === 'created';
    if (quiet(first)) {
      let take = 1;
      while (take < rows.length && quiet(rows[take]!)) take++;
      return { do: 'mute', take };
    }
    const { view, take } = fold(current, rows, 0, quiet, true, ctx.locale);
    return { do: 'edit', take, view };
  }

  const t = applyChange(current.state, first, ctx.locale);
  const stale = counts(first) && current.count > 0 && ctx.now - current.lastSeen >= ctx.windowMs;
  if (t.regression || stale) {
    const start: IssueView = {
      body: counts(first) ? first.alert() : current.body,
      state: t.regression ? regressed(current.state, first, ctx.locale) : current.state,
      count: counts(first) ? 1 : 0,
      firstSeen: first.receivedAt,
      lastSeen: first.receivedAt,
    };
    const { view, take } = fold(start, rows, 1, never, false, ctx.locale);
    return { do: 'send', take, view, reply: true, regression: t.regression };
  }
  const { view, take } = fold(current, rows, 0, never, false, ctx.locale);
  return { do: 'edit', take, view };
}
