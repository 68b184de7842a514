import type { Level } from './alert.js';

// Names seen in the wild: Sentry's own levels, their SDK aliases and logging-library names.
// `critical` is Python logging's CRITICAL, which Sentry's SDK reports as fatal, so it maps to
// fatal here. (A metric alert's `critical` *action* is a different thing: see metricLevel.)
const BY_NAME = new Map<string, Level>([
  ['fatal', 'fatal'],
  ['critical', 'fatal'],
  ['error', 'error'],
  ['err', 'error'],
  ['warning', 'warning'],
  ['warn', 'warning'],
  ['info', 'info'],
  ['log', 'info'], // Sentry's `log` level sits between debug and warning; shown as info
  ['debug', 'debug'],
  ['trace', 'debug'],
]);

// The numbers of Sentry's level filter (sentry.rules.filters.level.LevelFilter).
const BY_NUMBER = new Map<number, Level>([
  [50, 'fatal'],
  [40, 'error'],
  [30, 'warning'],
  [20, 'info'],
  [10, 'debug'],
]);

const MAX_LEVEL_CHARS = 16;

/** A Level from a name in any case or from Sentry's numeric level; null when not a level. */
export function levelFromAny(x: unknown): Level | null {
  if (typeof x === 'number') return BY_NUMBER.get(x) ?? null;
  if (typeof x !== 'string' || x.length > MAX_LEVEL_CHARS) return null;
  const name = x.trim().toLowerCase();
  if (/^\d+$/.test(name)) return BY_NUMBER.get(Number(name)) ?? null;
  return BY_NAME.get(name) ?? null;
}
