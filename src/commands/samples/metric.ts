// Metric alerts: critical, warning, resolved.
import { SENTRY_URL, ORG, PROJECT, ENVIRONMENT, TEST_MARK, INSTALLATION, SENTRY_ACTOR, iso, type Ids, type Sample } from './common.js';

type MetricAction = 'critical' | 'warning' | 'resolved';

const METRIC_TEXT: Record<MetricAction, { status: number; text: string; title: string }> = {
  critical: { status: 20, title: 'Critical', text: '1,843 errors in the last 5 minutes (above 1,000)' },
  warning: { status: 10, title: 'Warning', text: '612 errors in the last 5 minutes (above 500)' },
  resolved: { status: 2, title: 'Resolved', text: '37 errors in the last 5 minutes (below 500)' },
};

export function metricSample(action: MetricAction, ids: Ids, now: number): Sample {
  const { status, title, text } = METRIC_TEXT[action];
  const incident = ids.small;
  const ruleId = 70000 + (ids.small % 1000);
  const started = iso(now - 5 * 60_000);
  const webUrl = `${SENTRY_URL}/organizations/${ORG}/alerts/rules/details/${ruleId}/?alert=${incident}`;
  const ruleName = `High error rate (${TEST_MARK})`;
  return {
    resource: 'metric_alert',
    body: {
      action,
      installation: INSTALLATION,
      actor: SENTRY_ACTOR,
      data: {
        description_title: `${title}: ${ruleName}`,
        // Sentry sends a literal backslash-n here (see docs/sentry.md).
        description_text: `${text}\\nThreshold alert on ${PROJECT} in ${ENVIRONMENT}`,
        web_url: webUrl,
        metric_alert: {
          id: String(incident),
          identifier: String(incident),
          title: ruleName,
          status,
          organization_id: '1',
          projects: [PROJECT],
          date_started: started,
          date_detected: started,
          date_created: started,
          date_closed: action === 'resolved' ? iso(now) : null,
          alert_rule: {
            id: String(ruleId),
            name: ruleName,
            aggregate: 'count()',
            query: 'event.type:error',
            time_window: 5,
            environment: ENVIRONMENT,
            projects: [PROJECT],
            dataset: 'events',
            triggers: [
              { label: 'critical', alert_threshold: 1000, threshold_type: 0 },
              { label: 'warning', alert_threshold: 500, threshold_type: 0 },
            ],
          },
        },
      },
    },
  };
}
