// Sample Sentry payloads for `test-send` (and anything else that needs a realistic alert): one
// per kind of message the receiver renders, shaped like what Sentry really sends (see
// docs/sentry.md and fixtures/sentry/). Every sample says it is a test from sentry-tg, and the
// ids inside derive from a nonce so two test-sends are never taken for one re-sent delivery.

import { createHash, randomBytes } from 'node:crypto';

export const SAMPLE_KINDS = [
  'error',
  'fatal',
  'warning',
  'info',
  'metric-critical',
  'metric-warning',
  'metric-resolved',
  'issue-created',
  'issue-resolved',
  'issue-assigned',
  'issue-archived',
  'comment',
  'seer',
  'unknown',
] as const;

export type SampleKind = (typeof SAMPLE_KINDS)[number];

export interface Sample {
  /** The Sentry-Hook-Resource header Sentry would send with it. */
  resource: string | undefined;
  body: unknown;
}

export interface SampleOptions {
  /** Epoch milliseconds the sample pretends to have happened at; default now. */
  now?: number;
  /** Makes the ids unique; default random. Fix it (with `now`) for reproducible samples. */
  nonce?: string;
}

export function isSampleKind(x: string): x is SampleKind {
  return (SAMPLE_KINDS as readonly string[]).includes(x);
}

const SENTRY_URL = 'https://sentry.io';
const ORG = 'example-org';
const PROJECT = 'sentry-tg-sample';
const PROJECT_ID = '4508000000000001';
const RELEASE = 'sentry-tg-sample@1.0.0';
const ENVIRONMENT = 'production';
const TEST_MARK = 'test alert from sentry-tg';
// Sentry's installation uuid is per install; a fixed one marks these as samples.
const INSTALLATION = { uuid: '00000000-5e47-4e57-a5e4-000000000000' };
const SENTRY_ACTOR = { id: 'sentry', name: 'Sentry', type: 'application' };
const USER_ACTOR = { id: 1, name: 'Sample User', type: 'user' };

interface Ids {
  /** 32 lowercase hex characters, like Sentry's event ids. */
  eventId: string;
  /** A numeric string, like Sentry's issue (group) ids. */
  issueId: string;
  /** A small positive number for incident, comment and Seer run ids. */
  small: number;
  shortId: string;
}

function idsFor(kind: SampleKind, nonce: string): Ids {
  const hex = createHash('sha256').update(`${kind}\0${nonce}`).digest('hex');
  // 11 hex digits stay well inside Number.MAX_SAFE_INTEGER.
  const issue = 1_000_000_000 + (parseInt(hex.slice(32, 43), 16) % 8_000_000_000);
  const small = 1 + (parseInt(hex.slice(43, 51), 16) % 900_000);
  return {
    eventId: hex.slice(0, 32),
    issueId: String(issue),
    small,
    shortId: `SENTRY-TG-SAMPLE-${(small % 9000) + 1}`.toUpperCase(),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function issueWebUrl(issueId: string): string {
  return `${SENTRY_URL}/organizations/${ORG}/issues/${issueId}/`;
}

// ---------------------------------------------------------------- events (event_alert.triggered)

interface EventSpec {
  level: 'fatal' | 'error' | 'warning' | 'info';
  /** With an exception: type and value. Without: a logged message with a stack. */
  exception?: { type: string; value: string };
  message?: string;
  frame: { filename: string; lineno: number; function: string; context: string };
  rule: string;
}

const EVENT_SPECS: Record<'error' | 'fatal' | 'warning' | 'info', EventSpec> = {
  error: {
    level: 'error',
    exception: { type: 'ZeroDivisionError', value: `division by zero (${TEST_MARK})` },
    frame: { filename: 'secure_api.py', lineno: 155, function: 'trigger_error', context: '    return 1 / 0' },
    rule: 'Send a notification for new issues',
  },
  fatal: {
    level: 'fatal',
    exception: { type: 'MemoryError', value: `out of memory while building report (${TEST_MARK})` },
    frame: { filename: 'reports/build.py', lineno: 87, function: 'build_report', context: '    rows = list(fetch_all())' },
    rule: 'Fatal errors',
  },
  warning: {
    level: 'warning',
    message: `Payment gateway answered slowly: 4.2 s (${TEST_MARK})`,
    frame: { filename: 'payments/gateway.py', lineno: 42, function: 'charge', context: '    log.warning(msg)' },
    rule: 'Warnings in production',
  },
  info: {
    level: 'info',
    message: `Nightly export finished: 1,204 rows (${TEST_MARK})`,
    frame: { filename: 'jobs/export.py', lineno: 63, function: 'run_export', context: '    log.info(msg)' },
    rule: 'Informational events',
  },
};

function stackFrames(spec: EventSpec): unknown[] {
  // Frames run oldest → newest; the library frame first, the in-app frame last (innermost).
  return [
    {
      filename: 'flask/app.py',
      abs_path: '/usr/local/lib/python3.12/site-packages/flask/app.py',
      module: 'flask.app',
      function: 'dispatch_request',
      lineno: 880,
      in_app: false,
      context_line: '        return self.ensure_sync(self.view_functions[rule.endpoint])(**view_args)',
    },
    {
      filename: spec.frame.filename,
      abs_path: `/app/${spec.frame.filename}`,
      module: spec.frame.filename.replace(/\.py$/, '').replace(/\//g, '.'),
      function: spec.frame.function,
      lineno: spec.frame.lineno,
      in_app: true,
      context_line: spec.frame.context,
    },
  ];
}

function eventSample(kind: 'error' | 'fatal' | 'warning' | 'info', ids: Ids, now: number): Sample {
  const spec = EVENT_SPECS[kind];
  const { eventId, issueId } = ids;
  const title = spec.exception ? `${spec.exception.type}: ${spec.exception.value}` : (spec.message ?? '');
  const frames = stackFrames(spec);
  const culprit = `${spec.frame.filename.replace(/\.py$/, '').replace(/\//g, '.')} in ${spec.frame.function}`;
  const event: Record<string, unknown> = {
    event_id: eventId,
    issue_id: issueId,
    issue_url: `${SENTRY_URL}/api/0/issues/${issueId}/`,
    url: `${SENTRY_URL}/api/0/projects/${ORG}/${PROJECT}/events/${eventId}/`,
    web_url: `${SENTRY_URL}/organizations/${ORG}/issues/${issueId}/events/${eventId}/`,
    project: Number(PROJECT_ID),
    platform: 'python',
    type: spec.exception ? 'error' : 'default',
    level: spec.level,
    title,
    culprit,
    location: spec.frame.filename,
    logger: spec.exception ? '' : 'app',
    message: spec.exception ? '' : (spec.message ?? ''),
    metadata: spec.exception
      ? { type: spec.exception.type, value: spec.exception.value, filename: spec.frame.filename, function: spec.frame.function }
      : { title },
    datetime: iso(now),
    timestamp: now / 1000,
    received: now / 1000,
    environment: ENVIRONMENT,
    release: RELEASE,
    dist: null,
    tags: [
      ['environment', ENVIRONMENT],
      ['level', spec.level],
      ['release', RELEASE],
      ['runtime', 'CPython 3.12.4'],
      ['server_name', 'sample-host'],
      ['sentry-tg.test', 'yes'],
    ],
    contexts: {
      runtime: { name: 'CPython', version: '3.12.4', type: 'runtime' },
      os: { name: 'Linux', type: 'os' },
    },
    sdk: { name: 'sentry.python.flask', version: '2.19.0' },
    fingerprint: ['{{ default }}'],
    version: '7',
  };
  if (spec.exception) {
    event.exception = {
      values: [
        {
          type: spec.exception.type,
          value: spec.exception.value,
          module: null,
          mechanism: { type: 'flask', handled: false },
          stacktrace: { frames },
        },
      ],
    };
  } else {
    event.logentry = { formatted: spec.message, message: spec.message, params: [] };
    event.stacktrace = { frames };
  }
  return {
    resource: 'event_alert',
    body: {
      action: 'triggered',
      installation: INSTALLATION,
      data: { event, triggered_rule: spec.rule },
      actor: SENTRY_ACTOR,
    },
  };
}

// ---------------------------------------------------------------- metric_alert

type MetricAction = 'critical' | 'warning' | 'resolved';

const METRIC_TEXT: Record<MetricAction, { status: number; text: string; title: string }> = {
  critical: { status: 20, title: 'Critical', text: '1,843 errors in the last 5 minutes (above 1,000)' },
  warning: { status: 10, title: 'Warning', text: '612 errors in the last 5 minutes (above 500)' },
  resolved: { status: 2, title: 'Resolved', text: '37 errors in the last 5 minutes (below 500)' },
};

function metricSample(action: MetricAction, ids: Ids, now: number): Sample {
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

// ---------------------------------------------------------------- issue

type IssueAction = 'created' | 'resolved' | 'assigned' | 'ignored';

function serializedIssue(ids: Ids, now: number, action: IssueAction): Record<string, unknown> {
  const firstSeen = iso(now - 3 * 3600_000);
  const lastSeen = iso(now);
  const created = action === 'created';
  return {
    id: ids.issueId,
    shortId: ids.shortId,
    title: `KeyError: 'user_id' (${TEST_MARK})`,
    culprit: 'accounts.views in profile',
    level: 'error',
    status: action === 'resolved' ? 'resolved' : action === 'ignored' ? 'ignored' : 'unresolved',
    substatus:
      action === 'created' ? 'new' : action === 'ignored' ? 'archived_until_escalating' : action === 'resolved' ? null : 'ongoing',
    statusDetails: {},
    count: created ? '1' : '27',
    userCount: created ? 1 : 9,
    firstSeen: created ? lastSeen : firstSeen,
    lastSeen,
    platform: 'python',
    type: 'error',
    metadata: { type: 'KeyError', value: `'user_id' (${TEST_MARK})`, filename: 'accounts/views.py' },
    project: { id: PROJECT_ID, name: PROJECT, slug: PROJECT, platform: 'python' },
    permalink: issueWebUrl(ids.issueId),
    assignedTo: null,
    annotations: [],
    hasSeen: false,
    isBookmarked: false,
    isPublic: false,
    isSubscribed: false,
    numComments: 0,
  };
}

function issueSample(action: IssueAction, ids: Ids, now: number): Sample {
  const issue = serializedIssue(ids, now, action);
  const data: Record<string, unknown> = { issue };
  if (action === 'created') {
    issue.web_url = issueWebUrl(ids.issueId);
    issue.project_url = `${SENTRY_URL}/organizations/${ORG}/issues/?project=${PROJECT_ID}`;
  }
  if (action === 'resolved') data.resolution_type = 'now';
  if (action === 'assigned') {
    const assignee = { type: 'user', name: 'Sample User', id: '1', email: 'sample.user@example.com' };
    data.assignee = assignee;
    issue.assignedTo = assignee;
  }
  return {
    resource: 'issue',
    body: {
      action,
      installation: INSTALLATION,
      data,
      actor: action === 'created' ? SENTRY_ACTOR : USER_ACTOR,
    },
  };
}

// ---------------------------------------------------------------- comment, seer, unknown

function commentSample(ids: Ids, now: number): Sample {
  return {
    resource: 'comment',
    body: {
      action: 'created',
      installation: INSTALLATION,
      data: {
        comment: `Looking into this now. (This comment is a ${TEST_MARK}.)`,
        project_slug: PROJECT,
        comment_id: ids.small,
        issue_id: Number(ids.issueId),
        timestamp: iso(now),
      },
      actor: USER_ACTOR,
    },
  };
}

function seerSample(ids: Ids): Sample {
  return {
    resource: 'seer',
    body: {
      action: 'root_cause_completed',
      installation: INSTALLATION,
      actor: SENTRY_ACTOR,
      data: {
        run_id: ids.small,
        group_id: Number(ids.issueId),
        root_cause: {
          description: `The profile view reads session['user_id'] before login has set it. (This analysis is a ${TEST_MARK}.)`,
          steps: [
            {
              title: 'An anonymous visitor opens /profile.',
              code_snippet_and_analysis: 'The request reaches the view without a session.',
              timeline_item_type: 'human_action',
              relevant_code_file: { file_path: 'N/A', repo_name: 'N/A' },
              is_most_important_event: false,
            },
            {
              title: "The view reads session['user_id'] without checking it.",
              code_snippet_and_analysis: 'A missing key raises KeyError.',
              timeline_item_type: 'internal_code',
              relevant_code_file: { file_path: 'accounts/views.py', repo_name: 'example-org/sample-app' },
              is_most_important_event: true,
            },
          ],
        },
      },
    },
  };
}

function unknownSample(ids: Ids, now: number): Sample {
  // A resource Sentry might add one day: the receiver must still say what arrived.
  return {
    resource: 'sentry_tg_test',
    body: {
      action: 'created',
      installation: INSTALLATION,
      actor: SENTRY_ACTOR,
      data: {
        message: `A payload of a kind sentry-tg does not know (${TEST_MARK})`,
        id: ids.eventId,
        timestamp: iso(now),
      },
    },
  };
}

export function samplePayload(kind: SampleKind, opts: SampleOptions = {}): Sample {
  const now = opts.now ?? Date.now();
  const ids = idsFor(kind, opts.nonce ?? randomBytes(8).toString('hex'));
  switch (kind) {
    case 'error':
    case 'fatal':
    case 'warning':
    case 'info':
      return eventSample(kind, ids, now);
    case 'metric-critical':
      return metricSample('critical', ids, now);
    case 'metric-warning':
      return metricSample('warning', ids, now);
    case 'metric-resolved':
      return metricSample('resolved', ids, now);
    case 'issue-created':
      return issueSample('created', ids, now);
    case 'issue-resolved':
      return issueSample('resolved', ids, now);
    case 'issue-assigned':
      return issueSample('assigned', ids, now);
    case 'issue-archived':
      return issueSample('ignored', ids, now);
    case 'comment':
      return commentSample(ids, now);
    case 'seer':
      return seerSample(ids);
    case 'unknown':
      return unknownSample(ids, now);
  }
}
