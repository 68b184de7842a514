// Field values sentry-tg words itself (a substatus, a resolution, an archive condition, a time
// window, what an unreadable body was), in the chat's language. The normaliser keeps them as Sentry's codes and numbers
// (`Field.phrase`); a code this table does not know is shown as Sentry sent it, humanised.
import type { Alert, ArchiveCondition, Field, Phrase, TitlePhrase } from '../normalise/alert.js';
import { capitalise, humanise } from '../normalise/text.js';
import type { Catalogue } from './en.js';
import { messages } from './index.js';
import type { Locale } from './locale.js';

type WordKey = { [K in keyof Catalogue]: Catalogue[K] extends string ? K : never }[keyof Catalogue];

const SUBSTATUS: Record<string, WordKey> = {
  ongoing: 'substatusOngoing',
  regressed: 'substatusRegressed',
  escalating: 'substatusEscalating',
  new: 'substatusNew',
  archived_until_escalating: 'archivedUntilEscalating',
  archived_forever: 'archivedForever',
  archived_until_condition_met: 'archivedUntilConditionMet',
};

const RESOLUTION: Record<string, WordKey> = {
  now: 'resolutionNow',
  in_next_release: 'resolutionInNextRelease',
  in_release: 'resolutionInRelease',
  in_commit: 'resolutionInCommit',
  in_upcoming_release: 'resolutionInUpcomingRelease',
  with_third_party_app: 'resolutionWithThirdPartyApp',
};

/** `30` → `30 min` / `30 мин`, `60` → `1 h` / `1 ч`, `1440` → `1 d` / `1 д`. */
export function minutesWords(minutes: number, t: Catalogue): string {
  if (minutes > 0 && minutes % 1440 === 0) return `${minutes / 1440} ${t.unitDays}`;
  if (minutes > 0 && minutes % 60 === 0) return `${minutes / 60} ${t.unitHours}`;
  return `${minutes} ${t.unitMinutes}`;
}

function code(table: Record<string, WordKey>, value: string, t: Catalogue): string {
  const key = Object.hasOwn(table, value) ? table[value] : undefined;
  return key ? t[key] : humanise(value);
}

function condition(c: ArchiveCondition, t: Catalogue): string {
  const within = (m: number | undefined) => (m ? minutesWords(m, t) : null);
  if ('for' in c) return t.archiveFor(minutesWords(c.for, t));
  if ('seen' in c) return t.archiveSeen(c.seen, within(c.withinMinutes));
  if ('users' in c) return t.archiveUsers(c.users, within(c.withinMinutes));
  return t.archiveUntil(c.until);
}

export function phraseText(phrase: Phrase, locale: Locale): string {
  const t = messages(locale);
  switch (phrase.kind) {
    case 'substatus':
      return code(SUBSTATUS, phrase.code, t);
    case 'resolution':
      return code(RESOLUTION, phrase.code, t);
    case 'minutes':
      return minutesWords(phrase.minutes, t);
    case 'archive':
      return phrase.conditions.map((c) => condition(c, t)).join(', ');
    case 'list':
      return t.bodyList(phrase.items);
    case 'empty':
      return t.bodyEmpty;
  }
}

const COMMENT_TITLE: Record<string, WordKey> = {
  created: 'titleCommentCreated',
  updated: 'titleCommentUpdated',
  deleted: 'titleCommentDeleted',
};
const INSTALLATION_TITLE: Record<string, WordKey> = { created: 'titleInstallationCreated', deleted: 'titleInstallationDeleted' };
const SEER_TITLE: Record<string, WordKey> = {
  root_cause_started: 'titleSeerRootCauseStarted',
  root_cause_completed: 'titleSeerRootCauseCompleted',
  solution_started: 'titleSeerSolutionStarted',
  solution_completed: 'titleSeerSolutionCompleted',
  coding_started: 'titleSeerCodingStarted',
  coding_completed: 'titleSeerCodingCompleted',
  pr_created: 'titleSeerPrCreated',
};

const UNTITLED: Record<'issue' | 'event' | 'metric' | 'alert', WordKey> = {
  issue: 'titleUntitledIssue',
  event: 'titleUntitledEvent',
  metric: 'titleUntitledMetric',
  alert: 'titleUntitledAlert',
};

function known(table: Record<string, WordKey>, action: string, t: Catalogue): string | undefined {
  const key = Object.hasOwn(table, action) ? table[action] : undefined;
  return key ? t[key] : undefined;
}

export function titlePhraseText(phrase: TitlePhrase, locale: Locale): string {
  const t = messages(locale);
  switch (phrase.kind) {
    case 'comment': {
      const what = known(COMMENT_TITLE, phrase.action, t) ?? t.titleCommentOther(humanise(phrase.action));
      return phrase.issueId !== undefined ? t.titleOnIssue(what, phrase.issueId) : what;
    }
    case 'installation':
      return known(INSTALLATION_TITLE, phrase.action, t) ?? t.titleInstallationOther(humanise(phrase.action));
    case 'seer':
      return known(SEER_TITLE, phrase.action, t) ?? t.titleSeerOther(capitalise(humanise(phrase.action)) || 'update');
    case 'unrecognised':
      return phrase.webhook !== undefined ? t.titleSentrySent(phrase.webhook) : t.titleUnrecognised;
    case 'untitled':
      return t[UNTITLED[phrase.what]];
  }
}

/** The title to show: sentry-tg's own wording in `locale`, else Sentry's title as it came. */
export function titleText(alert: Pick<Alert, 'title' | 'titlePhrase'>, locale: Locale): string {
  return alert.titlePhrase ? titlePhraseText(alert.titlePhrase, locale) : alert.title;
}

/** The value to show: the phrase in `locale` when the field has one, else the value as it came. */
export function fieldValue(field: Pick<Field, 'value' | 'phrase'>, locale: Locale): string {
  return field.phrase ? phraseText(field.phrase, locale) : field.value;
}
