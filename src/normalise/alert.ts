// The one internal shape every Sentry payload becomes. Everything after `normalise`
// (routing, grouping, rendering, delivery) reads only this, never the raw payload.

export const LEVELS = ['fatal', 'error', 'warning', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];

/** Which template renders the alert. */
export type AlertKind =
  | 'event' // an error event: legacy plugin, event_alert.triggered, error.created
  | 'metric' // metric_alert.critical|warning|resolved
  | 'issue' // issue.created|resolved|assigned|ignored|unresolved
  | 'comment' // comment.created|updated|deleted
  | 'seer' // seer.* (AI analysis progress)
  | 'installation' // installation.created|deleted
  | 'unknown'; // anything else: still says what arrived

export interface Field {
  label: string;
  /** The value in English words (logs, dedup keys, rows stored before `phrase`). */
  value: string;
  /** When the value is sentry-tg's own wording, what it says, so render/ can word it per locale. */
  phrase?: Phrase;
}

/** A title sentry-tg words itself, kept as Sentry's resource and action (render/ words it per locale). */
export type TitlePhrase =
  | { kind: 'comment'; action: string; issueId?: string }
  | { kind: 'installation'; action: string }
  | { kind: 'seer'; action: string }
  // A webhook the normaliser could not read: `webhook` is `resource` or `resource.action` when known.
  | { kind: 'unrecognised'; webhook?: string }
  // The payload had no title of its own: sentry-tg names what it is.
  | { kind: 'untitled'; what: 'issue' | 'event' | 'metric' | 'alert' };

/** One condition of an "archive until …" (Sentry's statusDetails). */
export type ArchiveCondition =
  | { for: number } // minutes
  | { seen: number; withinMinutes?: number }
  | { users: number; withinMinutes?: number }
  | { until: string }; // ISO-8601

/**
 * A field value sentry-tg words itself, kept as data: Sentry's codes (substatus, resolution
 * type) and numbers, never English text. render/ (and issue/) turn it into the chat's language.
 */
export type Phrase =
  | { kind: 'substatus'; code: string }
  | { kind: 'resolution'; code: string }
  | { kind: 'minutes'; minutes: number }
  | { kind: 'archive'; conditions: ArchiveCondition[] }
  // An unknown webhook's body that is not an object: a list of `items`, or nothing at all.
  | { kind: 'list'; items: number }
  | { kind: 'empty' };

export interface Alert {
  kind: AlertKind;
  /** `plugin` = legacy WebHooks plugin body; `integration` = Sentry App envelope. */
  source: 'plugin' | 'integration';
  /** Sentry-Hook-Resource (or `legacy` for the plugin). */
  resource: string;
  /** Envelope action (`triggered` for the plugin). */
  action: string;
  /** Null when Sentry did not say (the plugin's `level` may be null). */
  level: Level | null;
  /** One line: exception "Type: value", metric title, issue title... Never empty. */
  title: string;
  /** When the title is sentry-tg's own words (a comment, an installation, Seer progress), what it says; `title` is then its English form. */
  titlePhrase?: TitlePhrase;
  /** Longer free text: metric description, comment body, Seer root cause. */
  text?: string;
  /** Innermost in-app frame as `file:line in function`, else the culprit. */
  location?: string;
  environment?: string;
  release?: string;
  /** Project slug (or name when no slug). */
  project?: string;
  /** Sentry issue (group) id, as a string: the key for one-message-per-issue. */
  issueId?: string;
  /** Human issue id such as `FRONT-END-9`. */
  shortId?: string;
  /** Web link for "View in Sentry" (http/https only). */
  url?: string;
  /** Alert rule that fired. */
  rule?: string;
  /** The event's tags (`browser`, `region`...), for routing; only event-shaped alerts have them. */
  tags?: Record<string, string>;
  /** Who did it (issue state changes, comments, installation). */
  actor?: string;
  /** Issue state after the change: resolved, unresolved, ignored, assigned... */
  status?: string;
  assignee?: string;
  /** Times seen / users affected, when the payload says. */
  count?: number;
  userCount?: number;
  /** ISO-8601 time of the event or change, when the payload says. */
  occurredAt?: string;
  /** Extra label/value lines (metric thresholds, unknown payload keys). */
  fields: Field[];
  /**
   * Set when a resource we know arrived in a shape we do not read: says what was missing, for a
   * warning in the log. The alert then carries whatever could be found.
   */
  unexpected?: string;
  /**
   * Stable identity of what happened, for idempotency: the same Sentry event for the same
   * resource and action yields the same key. Null when the payload carries nothing stable.
   */
  dedupKey: string | null;
}
