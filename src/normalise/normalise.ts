// Any parsed Sentry webhook body → one Alert. Pure: no I/O, no clock, no randomness, and it
// never throws, whatever arrives — an unreadable body still becomes an `unknown` alert that
// tells a human what came in.

import type { Alert, Field } from './alert.js';
import { normaliseEventEnvelope, normaliseLegacy } from './event.js';
import { obj, str, type Envelope, type Obj } from './readers.js';
import { clip } from './text.js';
import { findInPayload, isKnownResource, unexpectedShape } from './salvage.js';
import {
  normaliseComment,
  normaliseInstallation,
  normaliseIssue,
  normaliseMetric,
} from './resources.js';
import { normaliseSeer } from './seer.js';

export { levelFromAny } from './level.js';

export interface Incoming {
  /** Sentry-Hook-Resource header, if any (the legacy plugin sends none). */
  resource: string | undefined;
  /** Parsed JSON. */
  body: unknown;
}

// Resource and action names are short identifiers; a longer header is not Sentry's.
const MAX_NAME_CHARS = 64;
/** The most extra lines an alert carries (templates count on it: render/template-vars.ts). */
export const MAX_FIELDS = 12;
const MAX_UNKNOWN_FIELDS = 8;
const MAX_UNKNOWN_KEYS_LISTED = 20;
const MAX_UNKNOWN_LABEL_CHARS = 64;
const MAX_UNKNOWN_VALUE_CHARS = 200;

function name(x: unknown): string | undefined {
  const s = str(x);
  return s === undefined ? undefined : clip(s.toLowerCase(), MAX_NAME_CHARS);
}

/** The legacy plugin body: flat, the event under `event`, no envelope `data`. */
function isLegacy(body: Obj): boolean {
  return (
    obj(body.event) !== undefined &&
    !Object.hasOwn(body, 'data') &&
    ['url', 'project_slug', 'triggering_rules'].some((key) => Object.hasOwn(body, key))
  );
}

/** Without a Sentry-Hook-Resource header, the envelope's `data` keys say what it is. */
function inferResource(data: Obj | undefined): string | undefined {
  if (data === undefined) return undefined;
  const has = (key: string): boolean => Object.hasOwn(data, key);
  if (obj(data.event) !== undefined) return has('triggered_rule') ? 'event_alert' : 'error';
  if (obj(data.error) !== undefined) return 'error';
  if (obj(data.issue) !== undefined) return 'issue';
  if (obj(data.metric_alert) !== undefined) return 'metric_alert';
  if (has('comment_id')) return 'comment';
  if (obj(data.installation) !== undefined) return 'installation';
  if (has('root_cause') || has('solution') || has('run_id')) return 'seer';
  return undefined;
}

function recognise(input: Incoming): Alert | null {
  const body = obj(input.body);
  if (body === undefined) return null;
  const header = name(input.resource);
  if (header === undefined && isLegacy(body)) return normaliseLegacy(body);
  const data = obj(body.data);
  const resource = header ?? inferResource(data);
  if (resource === undefined) return null;
  const env: Envelope = { resource, action: name(body.action) ?? 'unknown', body, data };
  return readResource(env) ?? (isKnownResource(resource) ? salvaged(input, env) : null);
}

function readResource(env: Envelope): Alert | null {
  switch (env.resource) {
    case 'event_alert':
    case 'error':
      return normaliseEventEnvelope(env);
    case 'issue':
      return normaliseIssue(env);
    case 'metric_alert':
      return normaliseMetric(env);
    case 'comment':
      return normaliseComment(env);
    case 'seer':
      return normaliseSeer(env);
    case 'installation':
      return normaliseInstallation(env);
    default:
      return null;
  }
}

/** A known resource its normaliser could not read: whatever title, link and project it has. */
function salvaged(input: Incoming, env: Envelope): Alert {
  const found = findInPayload(env);
  const base = unknownAlert(input);
  const { title, ...rest } = found;
  return {
    ...base,
    ...rest,
    resource: env.resource,
    action: env.action,
    // With a title, the webhook's name moves to a field; without one, the title says it.
    ...(title !== undefined
      ? { title, titlePhrase: undefined, fields: [{ label: 'Webhook', value: `${env.resource}.${env.action}` }] }
      : {
          title: `Sentry sent ${env.resource}.${env.action}`,
          titlePhrase: { kind: 'unrecognised', webhook: `${env.resource}.${env.action}` },
        }),
    unexpected: unexpectedShape(env.resource, env.action),
  };
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return clip(value, MAX_UNKNOWN_VALUE_CHARS);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return undefined;
}

function scalarFields(o: Obj, prefix: string): Field[] {
  const fields: Field[] = [];
  for (const key of Object.keys(o)) {
    if (fields.length >= MAX_UNKNOWN_FIELDS) break;
    const value = scalarText(o[key]);
    if (value !== undefined) fields.push({ label: clip(`${prefix}${key}`, MAX_UNKNOWN_LABEL_CHARS), value });
  }
  return fields;
}

function describeNonObject(body: unknown): Field {
  if (Array.isArray(body)) {
    return { label: 'Body', value: `array of ${body.length} ${body.length === 1 ? 'item' : 'items'}`, phrase: { kind: 'list', items: body.length } };
  }
  if (typeof body === 'string') return { label: 'Body', value: JSON.stringify(clip(body, MAX_UNKNOWN_VALUE_CHARS)) };
  if (body === undefined) return { label: 'Body', value: 'empty', phrase: { kind: 'empty' } };
  return { label: 'Body', value: scalarText(body) ?? typeof body };
}

/** What arrived, for a human: the top-level keys, then scalar values (top level, then `data`). */
function unknownFields(body: unknown): Field[] {
  const o = obj(body);
  if (o === undefined) {
    return [describeNonObject(body)];
  }
  const keys = Object.keys(o);
  const listed = keys.slice(0, MAX_UNKNOWN_KEYS_LISTED).join(', ');
  const keyField: Field[] =
    keys.length === 0
      ? []
      : [{ label: 'Keys', value: keys.length > MAX_UNKNOWN_KEYS_LISTED ? `${listed}, …` : listed }];
  const data = obj(o.data);
  const dataFields = data !== undefined ? scalarFields(data, 'data.') : [];
  return [...keyField, ...scalarFields(o, ''), ...dataFields].slice(0, MAX_UNKNOWN_FIELDS);
}

function unknownAlert(input: Incoming): Alert {
  const body = obj(input.body);
  const resource = name(input.resource);
  const action = name(body?.action);
  // The plugin sends no resource header and no envelope; everything else is an integration.
  const webhook = resource !== undefined ? `${resource}${action !== undefined ? `.${action}` : ''}` : undefined;
  const fromIntegration = resource !== undefined || obj(body?.data) !== undefined || action !== undefined;
  return {
    kind: 'unknown',
    source: fromIntegration ? 'integration' : 'plugin',
    resource: resource ?? 'unknown',
    action: action ?? 'unknown',
    level: null,
    title: webhook !== undefined ? `Sentry sent ${webhook}` : 'Unrecognised Sentry payload',
    titlePhrase: webhook !== undefined ? { kind: 'unrecognised', webhook } : { kind: 'unrecognised' },
    fields: unknownFields(input.body),
    ...(resource !== undefined && isKnownResource(resource)
      ? { unexpected: unexpectedShape(resource, action) }
      : {}),
    dedupKey: null,
  };
}

/** Drops absent optional properties and bounds the field list, so stored alerts are tidy. */
function finish(alert: Alert): Alert {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(alert)) if (value !== undefined) out[key] = value;
  const done = out as unknown as Alert;
  done.fields = alert.fields.slice(0, MAX_FIELDS);
  if (done.title.trim() === '') {
    done.title = 'Sentry alert';
    done.titlePhrase = { kind: 'untitled', what: 'alert' };
  }
  return done;
}

export function normalise(input: Incoming): Alert {
  try {
    return finish(recognise(input) ?? unknownAlert(input));
  } catch {
    // Unreachable for JSON-parsed input as far as we know; the receiver must still get an alert.
    return fallback(input);
  }
}

function fallback(input: Incoming): Alert {
  try {
    return finish(unknownAlert(input));
  } catch {
    return {
      kind: 'unknown',
      source: 'integration',
      resource: 'unknown',
      action: 'unknown',
      level: null,
      title: 'Unrecognised Sentry payload',
      titlePhrase: { kind: 'unrecognised' },
      fields: [],
      dedupKey: null,
    };
  }
}
