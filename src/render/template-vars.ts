// The one list of what each template may use: the checker (template-check.ts) refuses anything
// else at start-up, the README's tables are generated from it (templateVariablesMarkdown), and a
// test (test/render/templates.test.ts) holds the built-in templates and the README to it.
import type { AlertKind } from '../normalise/alert.js';
import { MAX_FIELDS } from '../normalise/normalise.js';

export type TemplateName = AlertKind | 'digest';

/** Every template, by file name without `.html`. */
export const TEMPLATE_NAMES: readonly TemplateName[] = ['event', 'issue', 'metric', 'comment', 'seer', 'installation', 'unknown', 'digest'];

export interface TemplateVariable {
  description: string;
  /** A list or object: use it as a section; these names are defined inside it. */
  inside?: Readonly<Record<string, string>>;
  /** A list: the most items it has (the checker counts Telegram's formatting entities with it). */
  most?: number;
}

type Vars = Readonly<Record<string, TemplateVariable>>;

const v = (description: string, inside?: Record<string, string>, most?: number): TemplateVariable => ({
  description,
  ...(inside ? { inside } : {}),
  ...(most ? { most } : {}),
});

/** The default digest size (deliver/context.ts DEFAULT_STORM.digestMaxLines). */
export const DIGEST_MOST_LINES = 30;

// Chrome every alert message has, whatever its kind.
const CHROME: Vars = {
  emoji: v('the emoji for the level or action (🔥 ❌ ⚠️ ✅ …)'),
  levelWord: v('the level in the message language (ERROR, ОШИБКА…)'),
  headline: v('the action in the message language (CREATED, RESOLVED, CRITICAL…)'),
  title: v('one line: exception, metric or issue title (never empty)'),
  fields: v(`extra lines Sentry sent (thresholds, Seer steps, unknown keys), up to ${MAX_FIELDS}`, {
    label: 'the line label, translated when sentry-tg knows it',
    value: 'the value as Sentry sent it; words sentry-tg adds (substatus, archive conditions, time window) in the message language',
  }, MAX_FIELDS),
  url: v('link to Sentry, when Telegram accepts it as a link (use in href)'),
  plainUrl: v('the address as text, when Telegram would refuse it as a link (e.g. http://localhost:9000)'),
  status: v('where the issue stands (resolved by, archived until, assigned to…), one message per issue'),
  repeat: v('set when more alerts of the issue were folded into this message', {
    count: 'how many times',
    lastSeen: 'time of the last one (HH:MM UTC)',
    times: 'the word "times" in the right plural form (раз, раза)',
  }),
};

const A = {
  text: v('longer text: metric description, comment body, Seer root cause'),
  location: v('innermost in-app frame (file:line in function), else the culprit'),
  project: v('project slug'),
  environment: v('environment'),
  release: v('release'),
  rule: v('the alert rule that fired'),
  issueId: v('Sentry issue id'),
  shortId: v('short issue id such as WEB-7'),
  actor: v('who did it (a person or Sentry)'),
  assignee: v('who the issue is assigned to'),
  counts: v('events and users affected ("12 events · 3 users")'),
} satisfies Vars;

const ALERT_KINDS: Record<AlertKind, Vars> = {
  event: { ...CHROME, location: A.location, project: A.project, environment: A.environment, release: A.release, rule: A.rule, issueId: A.issueId },
  issue: { ...CHROME, location: A.location, project: A.project, issueId: A.issueId, shortId: A.shortId, actor: A.actor, assignee: A.assignee, counts: A.counts },
  metric: { ...CHROME, text: A.text, project: A.project, environment: A.environment, rule: A.rule },
  comment: { ...CHROME, text: A.text, project: A.project, issueId: A.issueId, actor: A.actor },
  seer: { ...CHROME, text: A.text, issueId: A.issueId },
  installation: { ...CHROME, actor: A.actor },
  // Anything else Sentry sends: any alert value may be there.
  unknown: { ...CHROME, ...A },
};

export const TEMPLATE_VARIABLES: Readonly<Record<TemplateName, Vars>> = {
  ...ALERT_KINDS,
  digest: {
    total: v('how many alerts the digest stands for'),
    alertsWord: v('the word "alerts" in the right plural form (алерт, алерта, алертов)'),
    lines: v(`one per alert shown, up to ${DIGEST_MOST_LINES}`, {
      emoji: 'the level emoji',
      title: 'the alert title (cut to 200 characters)',
      url: 'link to Sentry, when Telegram accepts it',
      plainUrl: 'the address as text, when it would not',
    }, DIGEST_MOST_LINES),
    more: v('how many alerts did not fit (not set when all did)'),
  },
};

export function isTemplateName(x: string): x is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(x);
}

/** The README section: one table per template. */
export function templateVariablesMarkdown(): string {
  const out: string[] = [];
  for (const name of TEMPLATE_NAMES) {
    out.push(`**${name}.html**`, '', '| Variable | What it is |', '|---|---|');
    for (const [key, def] of Object.entries(TEMPLATE_VARIABLES[name])) {
      out.push(`| \`${key}\` | ${def.description} |`);
      for (const [inner, what] of Object.entries(def.inside ?? {})) out.push(`| \`${key}.${inner}\` | inside \`{{#${key}}}\`: ${what} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd() + '\n';
}
