// An event's tags as a plain `{key: value}` map, for routing on tags. Events carry them as
// `[key, value]` pairs (webhook payloads) or `{key, value}` objects (serialized events); the issue
// and metric resources carry none. Everything here is bounded: tags are stored with the alert, and
// a hostile payload may send thousands of them or megabyte-long values.

import { obj } from './readers.js';

// Sentry's own limits are 200 characters for a key and 200 for a value; anything longer is not
// Sentry's, and clipping it would make it match a route it does not name, so it is dropped.
const MAX_TAG_KEY_CHARS = 200;
const MAX_TAG_VALUE_CHARS = 200;
// A real event has a few dozen tags; past this many the rest are ignored.
const MAX_TAGS = 100;

// Sentry's tags are strings; any other type is not a tag Sentry sent (as in `tagValue`).
function tagText(x: unknown, maxChars: number): string | undefined {
  if (typeof x !== 'string') return undefined;
  const trimmed = x.trim();
  return trimmed === '' || trimmed.length > maxChars ? undefined : trimmed;
}

function pair(tag: unknown): [unknown, unknown] {
  if (Array.isArray(tag)) return [tag[0], tag[1]];
  const o = obj(tag);
  return [o?.key, o?.value];
}

/**
 * `{key: value}` from the event's `tags`; undefined when there are none. The first value of a
 * repeated key wins, as in `tagValue`. Built with Object.fromEntries, so a key such as
 * `__proto__` is an ordinary own property, never the prototype.
 */
export function eventTags(tags: unknown): Record<string, string> | undefined {
  const entries = Array.isArray(tags)
    ? tags.slice(0, MAX_TAGS).map(pair)
    : Object.entries(obj(tags) ?? {}).slice(0, MAX_TAGS);
  const found = new Map<string, string>();
  for (const [rawKey, rawValue] of entries) {
    const key = tagText(rawKey, MAX_TAG_KEY_CHARS);
    const value = tagText(rawValue, MAX_TAG_VALUE_CHARS);
    if (key !== undefined && value !== undefined && !found.has(key)) found.set(key, value);
  }
  return found.size > 0 ? Object.fromEntries(found) : undefined;
}
