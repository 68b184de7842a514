// Storm control starts with a key: alerts that share it are repeats of one thing and may be
// shown as one message with a counter. Error events group by their Sentry issue.
import type { Alert } from '../normalise/alert.js';

export function groupKey(alert: Alert): string | null {
  if (alert.kind === 'event' && alert.issueId) return `issue:${alert.project ?? ''}:${alert.issueId}`;
  return null;
}
