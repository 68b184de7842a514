// The signed delivery setup sends through the public URL in integration mode: an
// `event_alert.triggered` envelope shaped like Sentry's, with a fresh event id per run so the
// receiver's dedup never swallows a second proof.
import { randomBytes, randomUUID } from 'node:crypto';

export interface SampleDelivery {
  resource: string;
  body: string;
  requestId: string;
}

export function sampleEventAlert(opts: { org: string; project: string; sentryUrl: string; now: number }): SampleDelivery {
  const eventId = randomBytes(16).toString('hex');
  const issueId = String(1_000_000 + (randomBytes(3).readUIntBE(0, 3) % 9_000_000));
  const base = opts.sentryUrl.replace(/\/+$/, '');
  const seconds = opts.now / 1000;
  const envelope = {
    action: 'triggered',
    installation: { uuid: randomUUID() },
    data: {
      event: {
        event_id: eventId,
        issue_id: issueId,
        project: opts.project,
        platform: 'python',
        level: 'info',
        culprit: 'sentry_tg.setup in prove',
        title: 'sentry-tg setup test alert: the whole path works',
        message: 'This test alert was sent by `sentry-tg setup`.',
        environment: 'setup-test',
        release: 'sentry-tg@setup',
        datetime: new Date(opts.now).toISOString(),
        timestamp: seconds,
        metadata: { type: 'SetupTest', value: 'the whole path works' },
        tags: [
          ['environment', 'setup-test'],
          ['level', 'info'],
        ],
        url: `${base}/api/0/projects/${opts.org}/${opts.project}/events/${eventId}/`,
        web_url: `${base}/organizations/${opts.org}/issues/${issueId}/events/${eventId}/`,
        issue_url: `${base}/api/0/issues/${issueId}/`,
      },
      triggered_rule: 'sentry-tg setup test',
    },
    actor: { type: 'application', id: 'sentry', name: 'Sentry' },
  };
  return { resource: 'event_alert', body: JSON.stringify(envelope), requestId: randomBytes(16).toString('hex') };
}
