// Which projects this receiver posts for. An internal integration's `issue`, `error` and
// `comment` webhooks are org-wide: without this, a receiver set up for one project posts
// every project's issues. Pure: the receiver asks, counts the answer and acknowledges.
import type { Alert } from '../normalise/alert.js';

/** SENTRY_PROJECT as a list of slugs (or numeric ids); empty = every project. */
export function scopeProjects(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(/[\s,]+/)
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * True when the alert belongs to one of `projects` (or the list is empty). An alert that does
 * not name its project (installation, some metric alerts) is in scope: it cannot be told apart,
 * and dropping a real alert is worse than posting a stray one.
 */
export function inScope(alert: Pick<Alert, 'project'>, projects: readonly string[]): boolean {
  if (projects.length === 0 || alert.project === undefined || alert.project === '') return true;
  return projects.includes(alert.project.toLowerCase());
}

/** One line for logs and doctor: which projects are posted. */
export function describeScope(projects: readonly string[]): string {
  return projects.length === 0
    ? 'SENTRY_PROJECT is empty: alerts from EVERY project of the organisation are posted'
    : `alerts are posted only for project${projects.length > 1 ? 's' : ''} ${projects.join(', ')}`;
}
