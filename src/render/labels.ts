// The normaliser labels fields in English ("Archived", "Time window"): they are chrome, so they
// are translated here, at render time, and normalise/ stays free of languages. A label not
// listed (an unknown webhook's own keys) is Sentry's data and is shown as it came.
import type { Catalogue } from '../i18n/index.js';

type LabelKey = {
  [K in keyof Catalogue]: K extends `field${string}` ? (Catalogue[K] extends string ? K : never) : never;
}[keyof Catalogue];

const LABELS: Record<string, LabelKey> = {
  Resolution: 'fieldResolution',
  'In release': 'fieldInRelease',
  'In commit': 'fieldInCommit',
  Archived: 'fieldArchived',
  Substatus: 'fieldSubstatus',
  'First seen': 'fieldFirstSeen',
  Aggregate: 'fieldAggregate',
  Query: 'fieldQuery',
  'Time window': 'fieldTimeWindow',
  Environment: 'fieldEnvironment',
  Incident: 'fieldIncident',
  Started: 'fieldStarted',
  'Key step': 'fieldKeyStep',
  File: 'fieldFile',
  Change: 'fieldChange',
  Branch: 'fieldBranch',
  'Pull request': 'fieldPullRequest',
  Organization: 'fieldOrganization',
  App: 'fieldApp',
  Webhook: 'fieldWebhook',
  Body: 'fieldBody',
  Keys: 'fieldKeys',
};

/** The English labels render/ knows how to translate (for tests and template docs). */
export const KNOWN_FIELD_LABELS: readonly string[] = [...Object.keys(LABELS), 'Step 1'];

export function fieldLabel(label: string, t: Catalogue): string {
  const key = Object.hasOwn(LABELS, label) ? LABELS[label] : undefined;
  if (key) return t[key];
  const step = /^Step (\d+)$/.exec(label);
  return step ? t.fieldStep(step[1]!) : label;
}
