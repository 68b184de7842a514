// Safe readers for untrusted payloads. Every field of a Sentry body may be missing, null or of
// the wrong type (an attacker, a future Sentry version), so nothing here throws and every reader
// answers `undefined` (or an empty array) when the value is not what it should be.
import { clip } from './text.js';

export type Obj = Readonly<Record<string, unknown>>;

/** A plain JSON object (not an array, not null). */
export function obj(x: unknown): Obj | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : undefined;
}

export function arr(x: unknown): readonly unknown[] {
  return Array.isArray(x) ? x : [];
}

/** A non-blank string, trimmed. */
export function str(x: unknown): string | undefined {
  if (typeof x !== 'string') return undefined;
  const trimmed = x.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The culprit as a location: Sentry writes `?` when it knows none, and `📍 Location: ?` tells a
 * reader nothing, so that counts as missing.
 */
export function culpritOf(x: unknown): string | undefined {
  const c = str(x);
  return c === undefined || /^\?+$/.test(c) ? undefined : c;
}

// Longer than any real number Sentry sends; keeps Number() away from megabyte strings.
const MAX_NUMERIC_CHARS = 32;

/** A finite number, or a string holding one (Sentry sends issue counts as strings). */
export function num(x: unknown): number | undefined {
  if (typeof x === 'number') return Number.isFinite(x) ? x : undefined;
  if (typeof x !== 'string' || x.length > MAX_NUMERIC_CHARS) return undefined;
  if (!/^\s*-?\d+(\.\d+)?\s*$/.test(x)) return undefined;
  const n = Number(x);
  return Number.isFinite(n) ? n : undefined;
}

/** A whole number >= 0 (counts, line numbers, minutes). */
export function whole(x: unknown): number | undefined {
  const n = num(x);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

// Ids end up in dedup keys stored in the database; a real Sentry id is far shorter.
const MAX_ID_CHARS = 128;

/** An identifier sent either as a string or as an integer, as a string. */
export function idStr(x: unknown): string | undefined {
  if (typeof x === 'number') return Number.isSafeInteger(x) ? String(x) : undefined;
  const s = str(x);
  return s === undefined ? undefined : clip(s, MAX_ID_CHARS);
}

/** The URL, normalised, when it is an absolute http(s) URL; anything else (javascript:...) is dropped. */
export function httpUrl(x: unknown): string | undefined {
  const s = str(x);
  if (s === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined; // not a URL at all: no link rather than a broken one
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
}

const MAX_DATE_CHARS = 64;

/**
 * ISO-8601 (UTC, milliseconds) from an ISO string or from unix seconds (number or numeric
 * string), as Sentry sends both. `new Date(value)` reads no clock, so this stays pure.
 */
export function toIso(x: unknown): string | undefined {
  let ms: number | undefined;
  if (typeof x === 'number') {
    ms = Number.isFinite(x) ? x * 1000 : undefined;
  } else if (typeof x === 'string' && x.length <= MAX_DATE_CHARS) {
    const seconds = num(x);
    ms = seconds !== undefined ? seconds * 1000 : Date.parse(x);
  }
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Name of the actor (`{type, id, name}`) who caused the webhook. */
export function actorName(actor: unknown): string | undefined {
  const a = obj(actor);
  // Sentry itself (`{type: application, id: sentry}`) is not worth a "By:" line.
  if (a?.type === 'application' && a?.id === 'sentry') return undefined;
  return str(a?.name);
}

/** An integration webhook body, with the resource already known (header or inferred). */
export interface Envelope {
  resource: string;
  action: string;
  body: Obj;
  data: Obj | undefined;
}
