// The routes file's schema: what each key may hold, with messages a person can act on. Objects
// are strict, so a misspelt key is an error rather than a setting silently ignored. Values are
// read leniently where YAML makes that natural (`chat: -100123` as a number, `project: 42`), and
// strictly where a wrong value would route alerts somewhere unexpected.

import * as z from 'zod';
import { LEVELS, type Level } from '../normalise/alert.js';
import { DEFAULT_ROUTE_NAME, KNOWN_RESOURCES, LOCALES, type Destination, type LevelMatch, type Locale, type Route, type RouteMatch } from './config.js';
import { isTimeZone, minuteOfDay, type QuietHours } from './quiet.js';

// Longer than any project slug, environment, rule name or tag Sentry allows (tags: 200).
const MAX_TEXT_CHARS = 200;
const MAX_NAME_CHARS = 64;
// Telegram public usernames are 5–32 characters; a few short ones (4) exist from auctions.
const CHAT_USERNAME = /^@[A-Za-z][A-Za-z0-9_]{3,31}$/;
const CHAT_ID = /^-?[1-9]\d{0,19}$/;
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const RESOURCE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** A problem found by a field reader; `path` is below the field (a list index, a map key). */
class Fail {
  constructor(
    readonly message: string,
    readonly path: ReadonlyArray<string | number> = [],
  ) {}
}

/** A zod field from a reader that answers a value or a Fail. */
function field<T>(read: (value: unknown) => T | Fail | Fail[]) {
  return z.unknown().transform((value, ctx): T => {
    const result = read(value);
    // A reader answers all values or all Fails, never a mix.
    const fails = (Array.isArray(result) ? result : [result]).filter((r): r is Fail => r instanceof Fail);
    if (fails.length === 0) return result as T;
    for (const fail of fails) ctx.addIssue({ code: 'custom', message: fail.message, path: [...fail.path], input: value });
    return z.NEVER;
  });
}

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function text(value: unknown): string | Fail {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return new Fail(typeof value === 'object' && value !== null ? 'must be text, not a list or mapping' : 'must be text');
  const trimmed = value.trim();
  if (trimmed === '') return new Fail('must not be empty');
  return trimmed.length > MAX_TEXT_CHARS ? new Fail(`is longer than ${MAX_TEXT_CHARS} characters`) : trimmed;
}

/** A value or a non-empty list of values, each read by `item`; every bad item is reported. */
function oneOrMany<T>(value: unknown, item: (v: unknown) => T | Fail): T[] | Fail[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) return [new Fail('is an empty list: give at least one value, or leave the key out')];
  const out: T[] = [];
  const fails: Fail[] = [];
  list.forEach((v, i) => {
    const r = item(v);
    if (r instanceof Fail) fails.push(new Fail(r.message, Array.isArray(value) ? [i] : []));
    else out.push(r);
  });
  return fails.length > 0 ? fails : out;
}

function level(value: unknown): Level | Fail {
  const name = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const found = LEVELS.find((l) => l === name);
  return found ?? new Fail(`${shown(value)} is not a level: use ${LEVELS.join(', ')}`);
}

function levelMatch(value: unknown): LevelMatch | Fail[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const extra = keys.filter((k) => k !== 'exactly');
    if (extra.length > 0 || keys.length === 0) {
      return [new Fail('as a mapping takes one key, `exactly` (e.g. `level: {exactly: warning}`)')];
    }
    const levels = oneOrMany((value as { exactly: unknown }).exactly, level);
    return levels.some((l) => l instanceof Fail) ? (levels as Fail[]).map((f) => new Fail(f.message, ['exactly', ...f.path])) : { exactly: levels as Level[] };
  }
  const levels = oneOrMany(value, level);
  if (levels.some((l) => l instanceof Fail)) return levels as Fail[];
  // A list in the at-least form is "at least any of these", which is at least the lowest.
  const lowest = (levels as Level[]).reduce((a, b) => (LEVELS.indexOf(a) > LEVELS.indexOf(b) ? a : b));
  return { atLeast: lowest };
}

/**
 * Edits (insert, delete, replace, swap two neighbours) from a to b, for "did you mean" on a
 * misspelt resource or key: `levle` is one swap from `level`.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const up = d[i - 1]!;
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `names` to `wrong`, when it is near enough to be a typo of it. */
export function closest(wrong: string, names: readonly string[]): string | undefined {
  const scored = names.map((name) => ({ name, distance: editDistance(wrong.toLowerCase(), name) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  // Two edits in a word of five or more letters, one in a shorter one (`to` is not a typo of `tz`).
  const allowed = best !== undefined && best.name.length >= 5 ? 2 : 1;
  return best !== undefined && best.distance <= allowed ? best.name : undefined;
}

/**
 * A resource name. Sentry adds resources over time, so a well-formed name we do not know is
 * accepted (the loader warns about it); one within a typo of a known name is an error, because
 * a route that can never match would drop its alerts into the default at 3 a.m.
 */
function resource(value: unknown): string | Fail {
  if (typeof value !== 'string' || !RESOURCE_NAME.test(value.trim().toLowerCase())) {
    return new Fail(`${shown(value)} is not a resource name: use ${KNOWN_RESOURCES.join(', ')}`);
  }
  const name = value.trim().toLowerCase();
  if ((KNOWN_RESOURCES as readonly string[]).includes(name)) return name;
  const near = closest(name, KNOWN_RESOURCES);
  return near !== undefined ? new Fail(`${shown(value)} is not a resource: did you mean ${near}?`) : name;
}

function tags(value: unknown): Record<string, string[]> | Fail[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [new Fail('must be a mapping of tag names to values (e.g. `tags: {region: eu}`)')];
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return [new Fail('is empty: name at least one tag, or leave the key out')];
  const fails: Fail[] = [];
  const out = new Map<string, string[]>();
  for (const [key, raw] of entries) {
    const values = oneOrMany(raw, text);
    if (values.some((v) => v instanceof Fail)) fails.push(...(values as Fail[]).map((f) => new Fail(f.message, [key, ...f.path])));
    else out.set(key, values as string[]);
  }
  // fromEntries: a tag named __proto__ stays an own key.
  return fails.length > 0 ? fails : Object.fromEntries(out);
}

function chat(value: unknown): string | Fail {
  const hint = 'must be a chat id such as "-1001234567890" or a public @username';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return new Fail(`${hint} (write long ids in quotes)`);
    return value === 0 ? new Fail(hint) : String(value);
  }
  if (typeof value !== 'string') return new Fail(hint);
  const s = value.trim();
  return CHAT_ID.test(s) || CHAT_USERNAME.test(s) ? s : new Fail(`${shown(value)} ${hint.replace('must be', 'is not')}`);
}

function topic(value: unknown): number | Fail {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    ? value
    : new Fail('must be a forum topic id, a whole number above 0');
}

function locale(value: unknown): Locale | Fail {
  return LOCALES.find((l) => l === value) ?? new Fail(`${shown(value)} is not a locale: use ${LOCALES.join(' or ')}`);
}

function template(value: unknown): string | Fail {
  return typeof value === 'string' && TEMPLATE_NAME.test(value.trim())
    ? value.trim()
    : new Fail('must be a template set name (letters, digits, - and _), as in SENTRY_TG_TEMPLATES');
}

function routeName(value: unknown): string | Fail {
  const name = text(value);
  if (name instanceof Fail) return name;
  if (name.length > MAX_NAME_CHARS) return new Fail(`is longer than ${MAX_NAME_CHARS} characters`);
  return name === DEFAULT_ROUTE_NAME ? new Fail(`"${DEFAULT_ROUTE_NAME}" is reserved for the default chat: pick another name`) : name;
}

function clock(allowEndOfDay: boolean) {
  return (value: unknown): number | Fail => {
    const minutes = typeof value === 'string' ? minuteOfDay(value.trim(), allowEndOfDay) : undefined;
    return minutes ?? new Fail(`must be a time "HH:MM" in quotes, 00:00 to ${allowEndOfDay ? '24:00' : '23:59'}`);
  };
}

function timeZone(value: unknown): string | Fail {
  if (typeof value === 'string' && value.trim() !== '' && isTimeZone(value.trim())) return value.trim();
  return new Fail(`${shown(value)} is not a time zone: use an IANA name such as Europe/Moscow or UTC`);
}

const required = <T>(read: (v: unknown) => T | Fail | Fail[]) => (value: unknown) =>
  value === undefined ? new Fail('is required') : read(value);

const mapping = (what: string) => ({
  error: (issue: { code: string }) => (issue.code === 'invalid_type' ? `must be a mapping (${what})` : undefined),
});

const quietSchema = z
  .strictObject(
    {
      from: field(required(clock(false))),
      to: field(required(clock(true))),
      tz: field(required(timeZone)),
      loud_levels: field((v) => oneOrMany(v, level)).optional(),
    },
    mapping('from, to, tz, loud_levels'),
  )
  .transform(
    (q): QuietHours => ({ fromMinuteOfDay: q.from, toMinuteOfDay: q.to, timeZone: q.tz, loudLevels: q.loud_levels ?? [] }),
  );

const destinationShape = {
  chat: field(required(chat)),
  topic: field(topic).optional(),
  locale: field(locale).optional(),
  template: field(template).optional(),
  quiet: quietSchema.optional(),
};

function destination(d: { chat: string; topic?: number; locale?: Locale; template?: string; quiet?: QuietHours }): Destination {
  return {
    chatId: d.chat,
    ...(d.topic !== undefined ? { topicId: d.topic } : {}),
    ...(d.locale !== undefined ? { locale: d.locale } : {}),
    ...(d.template !== undefined ? { template: d.template } : {}),
    ...(d.quiet !== undefined ? { quiet: d.quiet } : {}),
  };
}

const texts = field((v) => oneOrMany(v, text)).optional();

const matchSchema = z.strictObject(
  {
    project: texts,
    environment: texts,
    level: field(levelMatch).optional(),
    resource: field((v) => oneOrMany(v, resource)).optional(),
    rule: texts,
    tags: field(tags).optional(),
  },
  mapping('project, environment, level, resource, rule, tags'),
);

const routeSchema = z
  .strictObject(
    {
      name: field(required(routeName)),
      match: matchSchema.optional(),
      ...destinationShape,
      continue: field((v) => (typeof v === 'boolean' ? v : new Fail('must be true or false'))).optional(),
    },
    mapping('name, match, chat, topic, locale, template, quiet, continue'),
  )
  .transform(
    (r): Route => ({
      name: r.name,
      match: Object.fromEntries(Object.entries(r.match ?? {}).filter(([, v]) => v !== undefined)) as RouteMatch,
      ...destination(r),
      continue: r.continue ?? false,
    }),
  );

export const routesFileSchema = z.strictObject(
  {
    default: z.strictObject(destinationShape, mapping('chat, topic, locale, template, quiet')).transform(destination).optional(),
    routes: z.array(routeSchema, { error: 'must be a list of routes (each item starts with "- name:")' }).optional(),
  },
  mapping('default, routes'),
);

