// Quiet hours: a daily window in a time zone during which a route's alerts are posted without a
// notification sound (`disable_notification`), except the loud levels. Pure: the instant is passed
// in, and the wall-clock time in the zone comes from Intl, so DST changes need no special case —
// the window follows the clocks on the wall, whatever the UTC offset is that day.

import type { Level } from '../normalise/alert.js';

const MINUTES_PER_DAY = 24 * 60;

export interface QuietHours {
  /** Start of the window, minutes after local midnight (0..1439). */
  fromMinuteOfDay: number;
  /**
   * End of the window, exclusive, minutes after local midnight (0..1440; 1440 is "24:00", the end
   * of the day). A window whose end is before its start crosses midnight. A window whose start
   * equals its end is empty: never quiet (the routes file warns about it); "00:00" to "24:00" is
   * quiet all day.
   */
  toMinuteOfDay: number;
  /** IANA zone name, already checked with isTimeZone. */
  timeZone: string;
  /** Levels that still ring during the window. An alert without a level is never loud. */
  loudLevels: readonly Level[];
}

/** `"22:00"` → 1320; `"24:00"` only when `allowEndOfDay`; anything else → undefined. */
export function minuteOfDay(clock: string, allowEndOfDay = false): number | undefined {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(clock);
  if (match === null) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (minutes < MINUTES_PER_DAY) return minutes;
  return allowEndOfDay && minutes === MINUTES_PER_DAY ? minutes : undefined;
}

/** 1320 → `"22:00"`. */
export function clockText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

// One formatter per zone: building one costs far more than formatting with it.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // h23, not h24: midnight must read 00, never 24.
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the IANA zone name (`Europe/Moscow`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch (err) {
    // Intl answers an unknown zone with a RangeError; anything else is a real fault.
    if (err instanceof RangeError) return false;
    throw err;
  }
}

/** Minutes after local midnight in `timeZone` at the instant `atMs`. */
export function localMinuteOfDay(timeZone: string, atMs: number): number {
  let hours = 0;
  let minutes = 0;
  for (const part of formatter(timeZone).formatToParts(atMs)) {
    if (part.type === 'hour') hours = Number(part.value);
    if (part.type === 'minute') minutes = Number(part.value);
  }
  return hours * 60 + minutes;
}

/** Inside the window at `atMs` (whatever the level). */
export function inQuietWindow(quiet: QuietHours, atMs: number): boolean {
  const { fromMinuteOfDay: from, toMinuteOfDay: to } = quiet;
  if (from === to) return false;
  const now = localMinuteOfDay(quiet.timeZone, atMs);
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** Post silently: inside the window and the level is not one of the loud ones. */
export function isQuiet(quiet: QuietHours, level: Level | null, atMs: number): boolean {
  if (level !== null && quiet.loudLevels.includes(level)) return false;
  return inQuietWindow(quiet, atMs);
}
