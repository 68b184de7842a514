// The English catalogue: every word sentry-tg adds to what the team reads in Telegram.
// ru.ts must have exactly these keys (the type says so; test/unit/i18n.test.ts checks it too).
// Values that carry HTML get their dynamic parts already escaped by the caller.
import type { PluralForms } from './locale.js';

const plural = (one: string, other: string): PluralForms => ({ one, other });

export const en = {
  // ---- message chrome (render/) ----
  levelFatal: 'FATAL',
  levelError: 'ERROR',
  levelWarning: 'WARNING',
  levelInfo: 'INFO',
  levelDebug: 'DEBUG',
  levelNone: 'ALERT',
  headlineCreated: 'CREATED',
  headlineResolved: 'RESOLVED',
  headlineUnresolved: 'UNRESOLVED',
  headlineArchived: 'ARCHIVED',
  headlineAssigned: 'ASSIGNED',
  metricCritical: 'CRITICAL',
  metricWarning: 'WARNING',
  metricResolved: 'RESOLVED',
  events: plural('event', 'events'),
  users: plural('user', 'users'),
  /** The repeat counter: "🔁 Seen 12 times here". */
  times: plural('time', 'times'),
  alerts: plural('alert', 'alerts'),
  viewInSentry: 'View in Sentry',
  assignedTo: (who: string) => `👤 Assigned to: ${who}`,

  // ---- field labels the normaliser writes in English (translated at render time) ----
  fieldResolution: 'Resolution',
  fieldInRelease: 'In release',
  fieldInCommit: 'In commit',
  fieldArchived: 'Archived',
  fieldSubstatus: 'Substatus',
  fieldFirstSeen: 'First seen',
  fieldAggregate: 'Aggregate',
  fieldQuery: 'Query',
  fieldTimeWindow: 'Time window',
  fieldEnvironment: 'Environment',
  fieldIncident: 'Incident',
  fieldStarted: 'Started',
  fieldKeyStep: 'Key step',
  fieldFile: 'File',
  fieldStep: (n: string) => `Step ${n}`,
  fieldChange: 'Change',
  fieldBranch: 'Branch',
  fieldPullRequest: 'Pull request',
  fieldOrganization: 'Organization',
  fieldApp: 'App',
  fieldWebhook: 'Webhook',
  fieldBody: 'Body',
  fieldKeys: 'Keys',

  // ---- field values sentry-tg words itself (i18n/phrases.ts; Sentry's codes kept in the Alert) ----
  substatusOngoing: 'ongoing',
  substatusRegressed: 'regressed',
  substatusEscalating: 'escalating',
  substatusNew: 'new',
  archivedUntilEscalating: 'until escalating',
  archivedForever: 'forever',
  archivedUntilConditionMet: 'until condition met',
  resolutionNow: 'now',
  resolutionInNextRelease: 'in next release',
  resolutionInRelease: 'in release',
  resolutionInCommit: 'in commit',
  resolutionInUpcomingRelease: 'in upcoming release',
  resolutionWithThirdPartyApp: 'with third party app',
  archiveFor: (duration: string) => `for ${duration}`,
  archiveSeen: (n: number, within: string | null) => `until seen ${n} more ${n === 1 ? 'time' : 'times'}${within ? ` in ${within}` : ''}`,
  archiveUsers: (n: number, within: string | null) => `until ${n} more ${n === 1 ? 'user' : 'users'}${within ? ` in ${within}` : ''}`,
  archiveUntil: (at: string) => `until ${at}`,
  bodyList: (n: number) => `array of ${n} ${n === 1 ? 'item' : 'items'}`,
  bodyEmpty: 'empty',

  // ---- titles sentry-tg words itself (i18n/phrases.ts) ----
  titleCommentCreated: 'New comment',
  titleCommentUpdated: 'Comment edited',
  titleCommentDeleted: 'Comment deleted',
  titleCommentOther: (action: string) => `Comment ${action}`,
  titleOnIssue: (what: string, issueId: string) => `${what} on issue ${issueId}`,
  titleInstallationCreated: 'Sentry integration installed',
  titleInstallationDeleted: 'Sentry integration removed',
  titleInstallationOther: (action: string) => `Sentry integration ${action}`,
  titleSeerRootCauseStarted: 'Root cause analysis started',
  titleSeerRootCauseCompleted: 'Root cause found',
  titleSeerSolutionStarted: 'Looking for a solution',
  titleSeerSolutionCompleted: 'Solution found',
  titleSeerCodingStarted: 'Coding started',
  titleSeerCodingCompleted: 'Code changes ready',
  titleSeerPrCreated: 'Pull request created',
  titleSeerOther: (action: string) => `Seer: ${action}`,

  // ---- buttons (render/keyboard.ts) ----
  buttonResolve: 'Resolve',
  buttonUnresolve: 'Unresolve',
  buttonArchive: 'Archive ▾',
  buttonArchive1h: '1 h',
  buttonArchive24h: '24 h',
  buttonArchiveEscalating: 'Until escalating',
  buttonArchiveForever: 'Forever',
  buttonUnarchive: 'Unarchive',
  buttonBack: '← Back',
  buttonOpen: 'Open in Sentry',

  // ---- what an action did (issue/actions.ts, issue/state.ts) ----
  doneResolved: 'Resolved',
  doneArchived1h: 'Archived for 1 h',
  doneArchived24h: 'Archived for 24 h',
  doneArchivedEscalating: 'Archived until escalating',
  doneArchivedForever: 'Archived forever',
  doneUnresolved: 'Unresolved',
  doneUnarchived: 'Unarchived',
  /** `✅ Resolved by @jane · 14:02 UTC` */
  actionLine: (emoji: string, done: string, who: string, at: string) => `${emoji} ${done} by ${who} · ${at}`,
  /** The toast the presser sees. */
  actionToast: (done: string, emoji: string) => `${done} in Sentry ${emoji}`,
  resolvedInSentry: (by: string | null, at: string) => `✅ Resolved in Sentry${by ? ` by ${by}` : ''} · ${at}`,
  archivedInSentry: (how: string | null, by: string | null, at: string) =>
    `🔕 Archived in Sentry${how ? ` (${how})` : ''}${by ? ` by ${by}` : ''} · ${at}`,
  unarchivedInSentry: (by: string | null, at: string) => `🔄 Unarchived in Sentry${by ? ` by ${by}` : ''} · ${at}`,
  regressedUnresolved: (by: string | null, at: string) => `🔁 Regressed: unresolved in Sentry${by ? ` by ${by}` : ''} · ${at}`,
  regressedNewEvent: (at: string) => `🔁 Regressed: a new event after it was resolved · ${at}`,

  // ---- press answers (act/press.ts, act/callbacks.ts); ≤ 200 characters ----
  pressNotAllowed: (id: number) => `Not allowed: your Telegram user id is not in SENTRY_TG_ALLOWED_USERS. (Your id: ${id}.)`,
  pressExpired: 'This button is no longer active: use the newest message for this issue.',
  pressActionsOff: 'Actions are off on this receiver: it needs SENTRY_AUTH_TOKEN and SENTRY_ORG.',
  pressFailedResolve: (reason: string) => `Could not resolve in Sentry: ${reason}`,
  pressFailedUnresolve: (reason: string) => `Could not unresolve in Sentry: ${reason}`,
  pressFailedUnarchive: (reason: string) => `Could not unarchive in Sentry: ${reason}`,
  pressFailedArchive: (reason: string) => `Could not archive in Sentry: ${reason}`,
  pressInternalError: 'Something went wrong on the receiver; see its log.',

  // ---- bot commands (act/bot-commands.ts, act/command-parse.ts) ----
  commandChatid: 'This chat’s id and topic id (for SENTRY_ALERT_CHAT_ID and SENTRY_ALERT_TOPIC_ID)',
  commandStatus: 'Receiver health: queue, last delivery, undeliverable alerts, mutes',
  commandMute: 'Silence one issue in this chat: /mute FRONT-END-9 2h',
  commandUnmute: 'End a mute: /unmute FRONT-END-9',
  commandHelp: 'What this bot does and who may use it',
  chatId: (id: string) => `Chat id: <code>${id}</code>`,
  topicId: (id: string) => `Topic id: <code>${id}</code>`,
  topicGeneral: 'Topic: General (leave SENTRY_ALERT_TOPIC_ID empty)',
  yourUserId: (id: string) => `Your user id: <code>${id}</code>`,
  healthOk: '✅ ok',
  healthDegraded: '⚠️ degraded',
  statusWaiting: (n: number, oldest: string | null) => `Waiting: ${n}${oldest !== null ? ` (oldest since ${oldest})` : ''}`,
  statusLastDelivery: (at: string | null) => `Last delivery: ${at ?? 'none yet'}`,
  statusUndeliverable: (n: number, reason: string | null) => `Undeliverable: ${n}${reason ? ` · last reason: ${reason}` : ''}`,
  statusMuted: (n: number) => `Muted alerts: ${n}`,
  statusNotPosted: (unrouted: number, outOfScope: number) => `Matched no route: ${unrouted} · other projects: ${outOfScope}`,
  statusActiveMutes: (list: string) => `Active mutes: ${list}`,
  statusMuteUntil: (label: string, until: string) => `${label} until ${until}`,
  statusTelegram: (reachable: boolean) => `Telegram: ${reachable ? 'reachable' : 'not answering'}`,
  statusButtons: (off: string | null) => `Buttons: ${off === null ? 'on' : `off (${off})`}`,
  helpIntro: 'I post Sentry alerts here and keep one message per issue up to date.',
  helpButtonsOn:
    'Resolve and Archive buttons under an alert change the issue in Sentry; only users listed in SENTRY_TG_ALLOWED_USERS may press them or mute.',
  helpButtonsOff: (why: string) => `Resolve and Archive buttons are off: ${why}.`,
  muteUsage:
    'Usage: /mute <short id, issue link or issue id> <duration>, e.g. /mute FRONT-END-9 2h (or reply to an alert with /mute 2h). Durations: 30m, 2h, 1d, up to 30d.',
  unmuteUsage: 'Usage: /unmute <short id, issue link or issue id>, or reply to an alert with /unmute.',
  muteOnlyAllowed: 'Only users listed in SENTRY_TG_ALLOWED_USERS can mute or unmute alerts.',
  unitMinutes: 'min',
  unitHours: 'h',
  unitDays: 'd',
  unitWeeks: 'w',
  /** How replies name an issue known only by its numeric id. */
  issueLabel: (id: string) => `issue ${id}`,
  thisChat: 'this chat',
  theAlertChat: 'the alert chat',
  muted: (label: string, where: string, duration: string, until: string, ref: string) =>
    `🔕 Muted <b>${label}</b> in ${where} for ${duration} (until ${until}). Its alerts are counted but not posted; /unmute ${ref} ends it.`,
  mutedUnknownIssue: (label: string) =>
    `This chat has had no alert for ${label} yet, so only alerts that name it are held back; mute with the issue link to be sure.`,
  notMuted: (label: string) => `${label} was not muted here.`,
  unmuted: (label: string, held: number) =>
    `🔔 Unmuted <b>${label}</b>${held ? ` (${held} alert${held === 1 ? ' was' : 's were'} held back while muted)` : ''}.`,
};

export type Catalogue = typeof en;
export type MessageKey = keyof Catalogue;
