// The non-event integration resources: issue, metric_alert, comment, installation (seer.ts: Seer).
// Each function returns null when the body lacks the part that makes it that resource, and the
// caller then falls back to the unknown alert.

import type { Alert, ArchiveCondition, Field, Level } from './alert.js';
import { levelFromAny } from './level.js';
import { actorName, arr, culpritOf, httpUrl, idStr, obj, str, toIso, whole, type Envelope, type Obj } from './readers.js';
import { fnv1a, humanise, minutesText } from './text.js';
import { dedupKey, field } from './fields.js';

/** Sentry's own title, else sentry-tg's name for what this is (worded in the chat's language). */
function untitled(own: string | undefined, what: 'issue' | 'metric'): Pick<Alert, 'title' | 'titlePhrase'> {
  if (own !== undefined) return { title: own };
  return { title: what === 'issue' ? 'Sentry issue' : 'Metric alert', titlePhrase: { kind: 'untitled', what } };
}


// ---------------------------------------------------------------- issue

const ARCHIVE_SUBSTATUS = new Map([
  ['archived_until_escalating', 'until escalating'],
  ['archived_forever', 'forever'],
  ['archived_until_condition_met', 'until condition met'],
]);

function within(windowMinutes: unknown): { withinMinutes?: number } {
  const minutes = whole(windowMinutes);
  return minutes ? { withinMinutes: minutes } : {};
}

/** The conditions of an "archive until ..." from statusDetails. */
function archiveConditions(details: Obj | undefined): ArchiveCondition[] {
  if (details === undefined) return [];
  const parts: ArchiveCondition[] = [];
  const duration = whole(details.ignoreDuration);
  if (duration) parts.push({ for: duration });
  const count = whole(details.ignoreCount);
  if (count) parts.push({ seen: count, ...within(details.ignoreWindow) });
  const users = whole(details.ignoreUserCount);
  if (users) parts.push({ users, ...within(details.ignoreUserWindow) });
  const until = toIso(details.ignoreUntil);
  if (until) parts.push({ until });
  return parts;
}

/** The same conditions in English words, for the field's `value` (and the dedup key). */
function conditionText(c: ArchiveCondition): string {
  const inWindow = (m: number | undefined) => (m ? ` in ${minutesText(m)}` : '');
  if ('for' in c) return `for ${minutesText(c.for)}`;
  if ('seen' in c) return `until seen ${c.seen} more times${inWindow(c.withinMinutes)}`;
  if ('users' in c) return `until ${c.users} more users${inWindow(c.withinMinutes)}`;
  return `until ${c.until}`;
}

function archivedField(substatus: string | undefined, details: Obj | undefined): Field[] {
  const conditions = archiveConditions(details);
  if (conditions.length > 0) return field('Archived', conditions.map(conditionText).join(', '), { kind: 'archive', conditions });
  if (substatus === undefined) return [];
  return field('Archived', ARCHIVE_SUBSTATUS.get(substatus) ?? humanise(substatus), { kind: 'substatus', code: substatus });
}

/** The issue's state after the change, in the UI's words (`ignored` is shown as archived). */
function issueStatus(action: string, status: string | undefined): string | undefined {
  switch (action) {
    case 'ignored':
    case 'archived':
      return 'archived';
    case 'resolved':
    case 'unresolved':
    case 'assigned':
      return action;
    default:
      return status === 'ignored' ? 'archived' : status;
  }
}

/** `{type, id, name, email}` → name, else email, else `type:id`. */
function assigneeName(x: unknown): string | undefined {
  const a = obj(x);
  if (a === undefined) return str(x);
  const type = str(a.type);
  const id = idStr(a.id);
  return str(a.name) ?? str(a.email) ?? (type !== undefined && id !== undefined ? `${type}:${id}` : id);
}

function assigneeIdentity(x: unknown): string | undefined {
  const a = obj(x);
  const type = str(a?.type);
  const id = idStr(a?.id);
  return type !== undefined && id !== undefined ? `${type}:${id}` : assigneeName(x);
}

function resolutionFields(data: Obj | undefined, details: Obj | undefined): Field[] {
  const type = str(data?.resolution_type) ?? (details?.inNextRelease === true ? 'in_next_release' : undefined);
  const commit = obj(details?.inCommit);
  return [
    ...(type !== undefined ? field('Resolution', humanise(type), { kind: 'resolution', code: type }) : []),
    ...field('In release', str(details?.inRelease)),
    ...field('In commit', str(commit?.commit) ?? str(commit?.id)),
  ];
}

export function normaliseIssue(env: Envelope): Alert | null {
  const issue = obj(env.data?.issue);
  if (issue === undefined) return null;
  const { action, data } = env;
  const id = idStr(issue.id);
  const status = issueStatus(action, str(issue.status));
  const substatus = str(issue.substatus);
  const details = obj(issue.statusDetails);
  const project = obj(issue.project);
  const lastSeen = toIso(issue.lastSeen);
  const firstSeen = toIso(issue.firstSeen);
  const count = whole(issue.count);
  const assignee = assigneeName(data?.assignee) ?? assigneeName(issue.assignedTo);

  const archivedFields = status === 'archived' ? archivedField(substatus, details) : [];
  const archived = archivedFields[0]?.value;
  const fields: Field[] = [
    ...archivedFields,
    ...(status !== 'archived' && substatus !== undefined ? field('Substatus', humanise(substatus), { kind: 'substatus', code: substatus }) : []),
    ...(status === 'resolved' ? resolutionFields(data, details) : []),
    ...(firstSeen !== lastSeen ? field('First seen', firstSeen) : []),
  ];

  // lastSeen and count change with every new occurrence; the change-specific part tells two
  // different assignments, resolutions or archive conditions apart.
  const change =
    action === 'assigned'
      ? assigneeIdentity(data?.assignee)
      : action === 'resolved'
        ? str(data?.resolution_type)
        : archived;
  const md = obj(issue.metadata);
  const mdTitle = [str(md?.type), str(md?.value)].filter((s) => s !== undefined).join(': ');

  return {
    kind: 'issue',
    source: 'integration',
    resource: env.resource,
    action,
    level: levelFromAny(issue.level),
    ...untitled(str(issue.title) ?? (mdTitle || undefined) ?? str(issue.culprit), 'issue'),
    location: culpritOf(issue.culprit),
    project: str(project?.slug) ?? str(project?.name) ?? str(issue.project),
    issueId: id,
    shortId: str(issue.shortId),
    url: httpUrl(issue.permalink) ?? httpUrl(issue.web_url),
    actor: actorName(env.body.actor),
    status,
    assignee,
    count,
    userCount: whole(issue.userCount),
    occurredAt: lastSeen ?? firstSeen,
    fields,
    dedupKey:
      id === undefined
        ? null
        : dedupKey(['issue', action, id, lastSeen, count, ...(change !== undefined ? [change] : [])]),
  };
}

// ---------------------------------------------------------------- metric_alert

// Metric alert action → Level. `critical` means a threshold is badly crossed, not that the
// program crashed, so it is `error` (fatal stays for crashes); `resolved` is good news, `info`.
// Any other action (a future Sentry one) has no level.
const METRIC_LEVEL = new Map<string, Level>([
  ['critical', 'error'],
  ['warning', 'warning'],
  ['resolved', 'info'],
]);

export function normaliseMetric(env: Envelope): Alert | null {
  const { data, action } = env;
  const incident = obj(data?.metric_alert);
  const descriptionTitle = str(data?.description_title);
  if (incident === undefined && descriptionTitle === undefined) return null;
  const rule = obj(incident?.alert_rule);
  const id = idStr(incident?.id) ?? idStr(incident?.identifier);
  const identifier = idStr(incident?.identifier);
  const started = toIso(incident?.date_started);
  const closed = toIso(incident?.date_closed);
  const environment = str(rule?.environment);
  const timeWindow = whole(rule?.time_window);
  // Sentry escapes newlines in this text, so they arrive as the two characters `\` `n`.
  const text = str(data?.description_text)?.replace(/\\n/g, '\n');
  const project = str(arr(rule?.projects)[0]) ?? str(arr(incident?.projects)[0]);

  return {
    kind: 'metric',
    source: 'integration',
    resource: env.resource,
    action,
    level: METRIC_LEVEL.get(action) ?? null,
    ...untitled(descriptionTitle ?? str(incident?.title) ?? str(rule?.name), 'metric'),
    text,
    environment,
    project,
    url: httpUrl(data?.web_url),
    rule: str(rule?.name),
    status: action,
    occurredAt: started,
    fields: [
      ...field('Aggregate', str(rule?.aggregate)),
      ...field('Query', str(rule?.query)),
      ...(timeWindow ? field('Time window', minutesText(timeWindow), { kind: 'minutes', minutes: timeWindow }) : []),
      ...field('Environment', environment),
      ...field('Incident', identifier !== undefined ? `#${identifier}` : undefined),
      ...field('Started', started),
    ],
    // One incident can go critical → warning → critical: the second critical shares id and start
    // date with the first, so a digest of the description (which carries the measured value)
    // tells them apart, while an identical re-sent payload still gets the identical key.
    dedupKey:
      id === undefined
        ? null
        : dedupKey([
            'metric_alert',
            action,
            id,
            started,
            ...(closed !== undefined ? [closed] : []),
            ...(text !== undefined ? [fnv1a(text)] : []),
          ]),
  };
}

// ---------------------------------------------------------------- comment

const COMMENT_TITLES = new Map([
  ['created', 'New comment'],
  ['updated', 'Comment edited'],
  ['deleted', 'Comment deleted'],
]);

export function normaliseComment(env: Envelope): Alert | null {
  const { data, action } = env;
  if (data === undefined) return null;
  const commentId = idStr(data.comment_id);
  const issueId = idStr(data.issue_id);
  const text = str(data.comment);
  if (commentId === undefined && issueId === undefined && text === undefined) return null;
  const timestamp = toIso(data.timestamp);
  const what = COMMENT_TITLES.get(action) ?? `Comment ${humanise(action)}`;
  return {
    kind: 'comment',
    source: 'integration',
    resource: env.resource,
    action,
    level: null,
    title: issueId !== undefined ? `${what} on issue ${issueId}` : what,
    titlePhrase: { kind: 'comment', action, ...(issueId !== undefined ? { issueId } : {}) },
    text,
    project: str(data.project_slug),
    issueId,
    actor: actorName(env.body.actor),
    occurredAt: timestamp,
    fields: [],
    dedupKey: commentId === undefined ? null : dedupKey(['comment', action, commentId, timestamp]),
  };
}

// ---------------------------------------------------------------- installation

const INSTALLATION_TITLES = new Map([
  ['created', 'Sentry integration installed'],
  ['deleted', 'Sentry integration removed'],
]);

export function normaliseInstallation(env: Envelope): Alert {
  const { data, action, body } = env;
  const installation = obj(data?.installation) ?? obj(body.installation);
  const uuid = idStr(installation?.uuid) ?? idStr(obj(body.installation)?.uuid);
  const actor = actorName(body.actor);
  return {
    kind: 'installation',
    source: 'integration',
    resource: env.resource,
    action,
    level: null,
    title: INSTALLATION_TITLES.get(action) ?? `Sentry integration ${humanise(action)}`,
    titlePhrase: { kind: 'installation', action },
    actor,
    fields: [
      ...field('Organization', str(obj(installation?.organization)?.slug)),
      ...field('App', str(obj(installation?.app)?.slug)),
    ],
    dedupKey: uuid === undefined ? null : dedupKey(['installation', action, uuid]),
  };
}
