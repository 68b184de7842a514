// A resource we know, in a shape its normaliser does not read (a new Sentry version, a proxy
// that re-wrapped the body, an older doc's promise): the message must still tell a human what
// happened, so the title, link and project are looked for where Sentry usually puts them.

import type { Level } from './alert.js';
import { projectFromApiUrl } from './event.js';
import { levelFromAny } from './level.js';
import { httpUrl, idStr, obj, str, type Envelope, type Obj } from './readers.js';

/** Where each known resource keeps what its normaliser reads. */
const EXPECTED_PART: Readonly<Record<string, string>> = {
  event_alert: 'data.event',
  error: 'data.error',
  issue: 'data.issue',
  metric_alert: 'data.metric_alert',
  comment: 'data.comment_id',
  seer: 'data',
  installation: 'data.installation',
};

// data.* objects looked into; a real payload has a handful, a hostile one may have thousands.
const MAX_PLACES = 16;

export function isKnownResource(resource: string): boolean {
  return Object.hasOwn(EXPECTED_PART, resource);
}

/** One line for the log: which webhook and what it lacked. */
export function unexpectedShape(resource: string, action: string | undefined): string {
  const part = EXPECTED_PART[resource] ?? 'data';
  const what = action === undefined ? resource : `${resource}.${action}`;
  return `Sentry sent ${what} without a readable ${part}: the message shows what could be found`;
}

export interface Found {
  title?: string;
  url?: string;
  project?: string;
  issueId?: string;
  shortId?: string;
  level: Level | null;
}

/** The resource's own object first (data.error for error), then data, every data.* object, the body. */
function places(env: Envelope): Obj[] {
  const data = env.data;
  const inner = data === undefined ? [] : Object.values(data).map(obj);
  const candidates = [obj(data?.[env.resource]), data, ...inner.slice(0, MAX_PLACES), env.body];
  return candidates.filter((o, i): o is Obj => o !== undefined && candidates.indexOf(o) === i);
}

function typeAndValue(x: unknown): string | undefined {
  const o = obj(x);
  const parts = [str(o?.type), str(o?.value)].filter((s) => s !== undefined);
  return parts.length > 0 ? parts.join(': ') : undefined;
}

/** A web link, not the API URL events carry in `url`. */
function webUrl(o: Obj): string | undefined {
  const url = httpUrl(o.url);
  return httpUrl(o.web_url) ?? httpUrl(o.permalink) ?? (url !== undefined && !url.includes('/api/0/') ? url : undefined);
}

// Readers in order of preference: a `title` anywhere beats a `message` anywhere.
const TITLE: ReadonlyArray<(o: Obj) => string | undefined> = [
  (o) => str(o.title),
  (o) => str(o.description_title),
  (o) => typeAndValue(o.metadata),
  (o) => str(o.message),
  (o) => str(obj(o.logentry)?.formatted),
  (o) => str(o.culprit),
];
const PROJECT: ReadonlyArray<(o: Obj) => string | undefined> = [
  (o) => str(obj(o.project)?.slug),
  (o) => str(o.project_slug),
  (o) => str(o.project),
  (o) => projectFromApiUrl(o.url),
  (o) => str(obj(o.project)?.name),
];
const ISSUE_ID: ReadonlyArray<(o: Obj) => string | undefined> = [(o) => idStr(o.issue_id), (o) => idStr(o.group_id)];

function first<T>(where: readonly Obj[], readers: ReadonlyArray<(o: Obj) => T | undefined>): T | undefined {
  for (const read of readers) {
    for (const o of where) {
      const value = read(o);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

export function findInPayload(env: Envelope): Found {
  const where = places(env);
  const found: Found = { level: first(where, [(o) => levelFromAny(o.level) ?? undefined]) ?? null };
  const add = <K extends Exclude<keyof Found, 'level'>>(key: K, value: Found[K]) => {
    if (value !== undefined) found[key] = value;
  };
  add('title', first(where, TITLE));
  add('url', first(where, [webUrl]));
  add('project', first(where, PROJECT));
  add('issueId', first(where, ISSUE_ID));
  add('shortId', first(where, [(o) => str(o.shortId) ?? str(o.short_id)]));
  return found;
}
