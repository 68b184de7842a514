// Event-shaped payloads: the legacy WebHooks plugin body, `event_alert.triggered` and
// `error.created`. All three carry one raw Sentry event.

import type { Alert, Level } from './alert.js';
import { levelFromAny } from './level.js';
import { arr, culpritOf, httpUrl, idStr, obj, str, toIso, whole, type Envelope, type Obj } from './readers.js';
import { eventTags } from './tags.js';

const MAX_RULES = 20;

/**
 * Value of tag `key`. Tags come as `[key, value]` pairs (event payloads), as `{key, value}`
 * objects (serialized events) or, in odd shapes, as a plain `{key: value}` map.
 */
export function tagValue(tags: unknown, key: string): string | undefined {
  if (Array.isArray(tags)) {
    for (const tag of tags) {
      const [k, v] = Array.isArray(tag) ? [tag[0], tag[1]] : [obj(tag)?.key, obj(tag)?.value];
      const value = k === key ? str(v) : undefined;
      if (value !== undefined) return value;
    }
    return undefined;
  }
  const map = obj(tags);
  return map !== undefined && Object.hasOwn(map, key) ? str(map[key]) : undefined;
}

/** `file:line in function` for an in-app frame; undefined for library frames and empty ones. */
function frameLocation(frame: unknown): string | undefined {
  const f = obj(frame);
  if (f?.in_app !== true) return undefined;
  const file = str(f.filename) ?? str(f.abs_path) ?? str(f.module);
  const fn = str(f.function);
  const line = whole(f.lineno);
  if (file === undefined) return fn;
  return `${file}${line ? `:${line}` : ''}${fn ? ` in ${fn}` : ''}`;
}

function hasFrames(stacktrace: unknown): boolean {
  return arr(obj(stacktrace)?.frames).length > 0;
}

/**
 * The stack trace that explains the event: the last exception value with frames (the one that
 * was finally thrown), else the event's own stacktrace (captureMessage with stack), else the
 * crashed thread, the current thread, or the first thread with frames.
 */
function mainStacktrace(event: Obj): unknown {
  const exception = event.exception;
  const values = Array.isArray(exception) ? exception : arr(obj(exception)?.values);
  for (let i = values.length - 1; i >= 0; i--) {
    const stacktrace = obj(values[i])?.stacktrace;
    if (hasFrames(stacktrace)) return stacktrace;
  }
  if (hasFrames(event.stacktrace)) return event.stacktrace;
  const threads = arr(obj(event.threads)?.values)
    .map(obj)
    .filter((t): t is Obj => t !== undefined && hasFrames(t.stacktrace));
  const thread =
    threads.find((t) => t.crashed === true) ?? threads.find((t) => t.current === true) ?? threads[0];
  return thread?.stacktrace;
}

/**
 * Innermost in-app frame (frames run oldest → newest, so the innermost is the last one).
 * Library frames are never used: without an in-app frame the culprit says more.
 */
export function eventLocation(event: Obj, culprit: string | undefined): string | undefined {
  const frames = arr(obj(mainStacktrace(event))?.frames);
  for (let i = frames.length - 1; i >= 0; i--) {
    const location = frameLocation(frames[i]);
    if (location !== undefined) return location;
  }
  return culpritOf(culprit);
}

function typeAndValue(x: unknown): string | undefined {
  const o = obj(x);
  const type = str(o?.type);
  const value = str(o?.value);
  return type !== undefined && value !== undefined ? `${type}: ${value}` : (type ?? value);
}

function lastExceptionTitle(event: Obj): string | undefined {
  const exception = event.exception;
  const values = Array.isArray(exception) ? exception : arr(obj(exception)?.values);
  for (let i = values.length - 1; i >= 0; i--) {
    const title = typeAndValue(values[i]);
    if (title !== undefined) return title;
  }
  return undefined;
}

function eventTitle(event: Obj, extraMessage: unknown, culprit: string | undefined): Pick<Alert, 'title' | 'titlePhrase'> {
  const own =
    str(event.title) ??
    typeAndValue(event.metadata) ??
    lastExceptionTitle(event) ??
    str(event.message) ??
    str(obj(event.logentry)?.formatted) ??
    str(extraMessage) ??
    culprit;
  return own !== undefined ? { title: own } : { title: 'Sentry event', titlePhrase: { kind: 'untitled', what: 'event' } };
}

function eventLevel(event: Obj, preferred: unknown): Level | null {
  return levelFromAny(preferred) ?? levelFromAny(event.level) ?? levelFromAny(tagValue(event.tags, 'level'));
}

function eventOccurredAt(event: Obj): string | undefined {
  return toIso(event.datetime) ?? toIso(event.timestamp) ?? toIso(event.received);
}

/** Project slug out of the event's API URL `/api/0/projects/{org}/{project}/events/{id}/`. */
export function projectFromApiUrl(url: unknown): string | undefined {
  const s = str(url);
  const match = s === undefined ? null : /\/projects\/[^/?#]+\/([^/?#]+)\/events\//.exec(s);
  return match?.[1];
}

/** Legacy WebHooks plugin: one flat object per alert, the raw event under `event`. */
export function normaliseLegacy(body: Obj): Alert {
  const event = obj(body.event) ?? {};
  const culprit = str(event.culprit) ?? str(body.culprit);
  const eventId = idStr(event.event_id) ?? idStr(event.id);
  const rules = Array.isArray(body.triggering_rules)
    ? body.triggering_rules.slice(0, MAX_RULES).map(str).filter((r) => r !== undefined)
    : [str(body.triggering_rules)].filter((r) => r !== undefined);
  return {
    kind: 'event',
    source: 'plugin',
    resource: 'legacy',
    action: 'triggered',
    level: eventLevel(event, body.level),
    ...eventTitle(event, body.message, culprit),
    location: eventLocation(event, culprit),
    environment: str(event.environment) ?? tagValue(event.tags, 'environment'),
    release: str(event.release) ?? tagValue(event.tags, 'release'),
    project: str(body.project_slug) ?? str(body.project_name) ?? str(body.project),
    issueId: idStr(body.id) ?? idStr(event.group_id),
    url: httpUrl(body.url),
    rule: rules.length > 0 ? rules.join(', ') : undefined,
    tags: eventTags(event.tags),
    occurredAt: eventOccurredAt(event),
    fields: [],
    dedupKey: eventId !== undefined ? `legacy:${eventId}` : null,
  };
}

/**
 * `event_alert` (a rule fired) carries the event as `data.event`; `error` (every error event)
 * as `data.error`. Each also takes the other's key: both are the same serialized event.
 */
export function normaliseEventEnvelope(env: Envelope): Alert | null {
  const [own, other] = env.resource === 'error' ? ['error', 'event'] : ['event', 'error'];
  const event = obj(env.data?.[own]) ?? obj(env.data?.[other]);
  if (event === undefined) return null;
  const culprit = str(event.culprit);
  const eventId = idStr(event.event_id) ?? idStr(event.id);
  return {
    kind: 'event',
    source: 'integration',
    resource: env.resource,
    action: env.action,
    level: eventLevel(event, undefined),
    ...eventTitle(event, undefined, culprit),
    location: eventLocation(event, culprit),
    environment: str(event.environment) ?? tagValue(event.tags, 'environment'),
    release: str(event.release) ?? tagValue(event.tags, 'release'),
    project: projectFromApiUrl(event.url) ?? str(event.project),
    issueId: idStr(event.issue_id) ?? idStr(event.group_id),
    url: httpUrl(event.web_url),
    rule: str(env.data?.triggered_rule) ?? str(obj(env.data?.issue_alert)?.title),
    tags: eventTags(event.tags),
    occurredAt: eventOccurredAt(event),
    fields: [],
    dedupKey: eventId !== undefined ? `${env.resource}:${env.action}:${eventId}` : null,
  };
}
