// Storm control and one message per issue start with a key: alerts that share it are about one
// thing and meet on one message. Error events and issue lifecycle webhooks group by the Sentry
// issue id alone: ids are unique per Sentry instance, while project names differ between
// payload types (slug in one, name in another).
import type { Alert } from '../normalise/alert.js';

const LIFECYCLE: ReadonlySet<string> = new Set(['created', 'resolved', 'ignored', 'unresolved', 'assigned']);

/** `issue.<action>` webhooks that keep an issue's message in sync. */
export function isLifecycleAction(action: string): boolean {
  return LIFECYCLE.has(action);
}

export function groupKey(alert: Alert): string | null {
  if (!alert.issueId) return null;
  if (alert.kind === 'event' || (alert.kind === 'issue' && isLifecycleAction(alert.action))) return `issue:${alert.issueId}`;
  return null;
}

/** The Sentry issue id of an `issue:<id>` key. */
export function issueIdOf(groupKey: string | null): string | null {
  return groupKey?.startsWith('issue:') ? groupKey.slice('issue:'.length) : null;
}
