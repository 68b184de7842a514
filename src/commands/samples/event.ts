// Error events as an issue alert rule sends them (event_alert.triggered).
import { SENTRY_URL, ORG, PROJECT, PROJECT_ID, RELEASE, ENVIRONMENT, TEST_MARK, INSTALLATION, SENTRY_ACTOR, iso, type Ids, type Sample } from './common.js';

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

export function eventSample(kind: 'error' | 'fatal' | 'warning' | 'info', ids: Ids, now: number): Sample {
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
