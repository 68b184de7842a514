// Sample Sentry payloads for `test-send` (and anything else that needs a realistic alert): one
// per kind of message the receiver renders, shaped like what Sentry really sends (see
// docs/sentry.md and fixtures/sentry/). Every sample says it is a test from sentry-tg, and the
// ids inside derive from a nonce so two test-sends are never taken for one re-sent delivery.

import { randomBytes } from 'node:crypto';
import { idsFor } from './samples/common.js';
import { eventSample } from './samples/event.js';
import { issueSample } from './samples/issue.js';
import { metricSample } from './samples/metric.js';
import { commentSample, seerSample, unknownSample } from './samples/other.js';

export { SAMPLE_KINDS, type Sample, type SampleKind, type SampleOptions } from './samples/common.js';
import { SAMPLE_KINDS, type Sample, type SampleKind, type SampleOptions } from './samples/common.js';

export function isSampleKind(x: string): x is SampleKind {
  return (SAMPLE_KINDS as readonly string[]).includes(x);
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
