// What every sample shares: the pretend organisation, project and actors, and ids derived from a
// nonce so two test-sends are never taken for one re-sent delivery.
import { createHash } from 'node:crypto';

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

export const SENTRY_URL = 'https://sentry.io';
export const ORG = 'example-org';
export const PROJECT = 'sentry-tg-sample';
export const PROJECT_ID = '4508000000000001';
export const RELEASE = 'sentry-tg-sample@1.0.0';
export const ENVIRONMENT = 'production';
export const TEST_MARK = 'test alert from sentry-tg';
// Sentry's installation uuid is per install; a fixed one marks these as samples.
export const INSTALLATION = { uuid: '00000000-5e47-4e57-a5e4-000000000000' };
export const SENTRY_ACTOR = { id: 'sentry', name: 'Sentry', type: 'application' };
export const USER_ACTOR = { id: 1, name: 'Sample User', type: 'user' };

export interface Ids {
  /** 32 lowercase hex characters, like Sentry's event ids. */
  eventId: string;
  /** A numeric string, like Sentry's issue (group) ids. */
  issueId: string;
  /** A small positive number for incident, comment and Seer run ids. */
  small: number;
  shortId: string;
}

export function idsFor(kind: SampleKind, nonce: string): Ids {
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

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function issueWebUrl(issueId: string): string {
  return `${SENTRY_URL}/organizations/${ORG}/issues/${issueId}/`;
}
