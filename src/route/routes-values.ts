// Readers for the values of the routes file, one per kind of value. Each answers the value, or
// the Fails that say what is wrong in words a person can act on. Values are read leniently where
// YAML makes that natural (`chat: -100123` as a number, `project: 42`), and strictly where a wrong
// value would send alerts somewhere unexpected.

import { LEVELS, type Level } from '../normalise/alert.js';
import { DEFAULT_ROUTE_NAME, KNOWN_RESOURCES, LOCALES, type LevelMatch, type Locale } from './config.js';
import { isTimeZone, minuteOfDay } from './quiet.js';
import { closest } from './typo.js';

// Longer than any project slug, environment, rule name or tag Sentry allows (tags: 200).
const MAX_TEXT_CHARS = 200;
const MAX_NAME_CHARS = 64;
// Telegram public usernames are 5–32 characters; a few short ones (4) exist from auctions.
const CHAT_USERNAME = /^@[A-Za-z][A-Za-z0-9_]{3,31}$/;
// The shapes SENTRY_ALERT_CHAT_ID takes (src/config/options.ts), so an id copied from .env works.
const CHAT_ID = /^-?[1-9]\d{0,15}$/;
const CHAT_LINK = /t\.me\/c\/(\d{1,13})(?:[/?#]|$)/;
const MAX_TOPIC_ID = 2 ** 31;
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const RESOURCE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** What is wrong with a value; `path` leads below it (a list index, a map key). */
export class Fail {
  constructor(
    readonly message: string,
    readonly path: ReadonlyArray<string | number> = [],
  ) {}
}

/** A reader's answer: the value, one Fail, or several. */
export type Read<T> = T | Fail | Fail[];

/** The Fails in a reader's answer; empty when it is a value. */
export function failsOf(result: unknown): Fail[] {
  if (result instanceof Fail) return [result];
  return Array.isArray(result) ? result.filter((r): r is Fail => r instanceof Fail) : [];
}

const isFails = <T>(list: T[] | Fail[]): list is Fail[] => list[0] instanceof Fail;
const under = (step: string | number, fails: Fail[]): Fail[] => fails.map((f) => new Fail(f.message, [step, ...f.path]));
const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

export function text(value: unknown): string | Fail {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'object' && value !== null) return new Fail('must be text, not a list or mapping');
  if (typeof value !== 'string') return new Fail('must be text');
  const trimmed = value.trim();
  if (trimmed === '') return new Fail('must not be empty');
  return trimmed.length > MAX_TEXT_CHARS ? new Fail(`is longer than ${MAX_TEXT_CHARS} characters`) : trimmed;
}

/** A value or a non-empty list of values: all of them read, or a Fail for each bad one. */
export function oneOrMany<T>(value: unknown, item: (v: unknown) => T | Fail): T[] | Fail[] {
  if (!Array.isArray(value)) {
    const one = item(value);
    if (one instanceof Fail) return [one];
    return [one];
  }
  if (value.length === 0) return [new Fail('is an empty list: give at least one value, or leave the key out')];
  const read = value.map(item);
  const fails = read.flatMap((r, i) => (r instanceof Fail ? under(i, [r]) : []));
  return fails.length > 0 ? fails : (read as T[]);
}

export function level(value: unknown): Level | Fail {
  const name = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  return LEVELS.find((l) => l === name) ?? new Fail(`${shown(value)} is not a level: use ${LEVELS.join(', ')}`);
}

/** `error` (at least), `[error, info]` (at least the lowest), `{exactly: warning}` or a list. */
export function levelMatch(value: unknown): Read<LevelMatch> {
  if (isMapping(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== 'exactly') {
      return new Fail('as a mapping takes one key, `exactly` (e.g. `level: {exactly: warning}`)');
    }
    const levels = oneOrMany(value.exactly, level);
    return isFails(levels) ? under('exactly', levels) : { exactly: levels };
  }
  const levels = oneOrMany(value, level);
  if (isFails(levels)) return levels;
  // LEVELS runs fatal → debug, so the lowest level is the one with the highest index.
  return { atLeast: LEVELS[Math.max(...levels.map((l) => LEVELS.indexOf(l)))] as Level };
}

/**
 * A resource name. Sentry adds resources over time, so a well-formed name we do not know is
 * accepted (the loader warns about it); one within a typo of a known name is an error, because
 * a route that can never match would drop its alerts into the default at 3 a.m.
 */
export function resource(value: unknown): string | Fail {
  const name = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!RESOURCE_NAME.test(name)) return new Fail(`${shown(value)} is not a resource name: use ${KNOWN_RESOURCES.join(', ')}`);
  if ((KNOWN_RESOURCES as readonly string[]).includes(name)) return name;
  const near = closest(name, KNOWN_RESOURCES);
  return near !== undefined ? new Fail(`${shown(value)} is not a resource: did you mean ${near}?`) : name;
}

export function tags(value: unknown): Read<Record<string, string[]>> {
  if (!isMapping(value)) return new Fail('must be a mapping of tag names to values (e.g. `tags: {region: eu}`)');
  const entries = Object.entries(value);
  if (entries.length === 0) return new Fail('is empty: name at least one tag, or leave the key out');
  const fails: Fail[] = [];
  const out = new Map<string, string[]>();
  for (const [key, raw] of entries) {
    const values = oneOrMany(raw, text);
    if (isFails(values)) fails.push(...under(key, values));
    else out.set(key, values);
  }
  // fromEntries: a tag named __proto__ stays an own key.
  return fails.length > 0 ? fails : Object.fromEntries(out);
}

export function chat(value: unknown): string | Fail {
  const hint = 'a chat id such as "-1001234567890" or a public @username';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return new Fail(`must be ${hint} (write long ids in quotes)`);
    return CHAT_ID.test(String(value)) ? String(value) : new Fail(`must be ${hint}`);
  }
  if (typeof value !== 'string') return new Fail(`must be ${hint}`);
  const s = value.trim();
  const link = CHAT_LINK.exec(s);
  if (link !== null) return `-100${link[1]}`;
  return CHAT_ID.test(s) || CHAT_USERNAME.test(s) ? s : new Fail(`${shown(value)} is not ${hint}`);
}

export function topic(value: unknown): number | Fail {
  const ok = typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_TOPIC_ID;
  return ok ? value : new Fail('must be a forum topic id, a whole number above 0');
}

export function locale(value: unknown): Locale | Fail {
  return LOCALES.find((l) => l === value) ?? new Fail(`${shown(value)} is not a locale: use ${LOCALES.join(' or ')}`);
}

export function template(value: unknown): string | Fail {
  return typeof value === 'string' && TEMPLATE_NAME.test(value.trim())
    ? value.trim()
    : new Fail('must be a template set name (letters, digits, - and _), as in SENTRY_TG_TEMPLATES');
}

export function routeName(value: unknown): string | Fail {
  const name = text(value);
  if (name instanceof Fail) return name;
  if (name.length > MAX_NAME_CHARS) return new Fail(`is longer than ${MAX_NAME_CHARS} characters`);
  if (name === DEFAULT_ROUTE_NAME) return new Fail(`"${DEFAULT_ROUTE_NAME}" is reserved for the default chat: pick another name`);
  return name;
}

export function flag(value: unknown): boolean | Fail {
  return typeof value === 'boolean' ? value : new Fail('must be true or false');
}

/** `"22:00"` → minutes after midnight; `"24:00"` only as the end of a window. */
export function clock(allowEndOfDay: boolean): (value: unknown) => number | Fail {
  return (value) => {
    const minutes = typeof value === 'string' ? minuteOfDay(value.trim(), allowEndOfDay) : undefined;
    return minutes ?? new Fail(`must be a time "HH:MM" in quotes, 00:00 to ${allowEndOfDay ? '24:00' : '23:59'}`);
  };
}

export function timeZone(value: unknown): string | Fail {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name !== '' && isTimeZone(name)) return name;
  return new Fail(`${shown(value)} is not a time zone: use an IANA name such as Europe/Moscow or UTC`);
}
