// The issue message: the alert, its repeat counter, and the lines saying where the issue stands.
import { clock } from '../issue/clock.js';
import type { IssueView } from '../issue/plan.js';
import type { InlineButton } from '../telegram/types.js';
import { messages, type Locale } from '../i18n/index.js';
import { render, type Rendered } from './render.js';

/** The lines under the alert that say where the issue stands. */
export function statusBlock(view: IssueView, locale: Locale = 'en'): string | undefined {
  const lines = [view.state.line, view.body.kind !== 'issue' && view.state.assignee ? messages(locale).assignedTo(view.state.assignee) : null];
  const text = lines.filter((l): l is string => Boolean(l)).join('\n');
  return text || undefined;
}

/** The issue message; `buttons` undefined means the plain "View in Sentry" link button. */
export function renderIssueMessage(view: IssueView, buttons?: InlineButton[][], locale: Locale = 'en', templateSet?: string): Rendered {
  const body = view.body.kind === 'issue' ? { ...view.body, assignee: view.state.assignee ?? undefined } : view.body;
  const status = statusBlock(view, locale);
  return render(body, {
    ...(view.count > 1 ? { repeat: { count: view.count, lastSeen: clock(view.lastSeen) } } : {}),
    ...(status ? { status } : {}),
    ...(buttons ? { buttons } : {}),
  }, locale, templateSet);
}

export function sameRendering(a: Rendered, b: Rendered): boolean {
  return a.html === b.html && JSON.stringify(a.buttons) === JSON.stringify(b.buttons);
}
