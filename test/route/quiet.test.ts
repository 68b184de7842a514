import { describe, expect, it } from 'vitest';
import type { Level } from '../../src/normalise/alert.js';
import { clockText, isQuiet, isTimeZone, localMinuteOfDay, minuteOfDay, type QuietHours } from '../../src/route/quiet.js';

function window(from: string, to: string, timeZone: string, loudLevels: Level[] = []): QuietHours {
  const fromMinuteOfDay = minuteOfDay(from);
  const toMinuteOfDay = minuteOfDay(to, true);
  if (fromMinuteOfDay === undefined || toMinuteOfDay === undefined) throw new Error(`bad test window ${from}-${to}`);
  return { fromMinuteOfDay, toMinuteOfDay, timeZone, loudLevels };
}

const at = (iso: string): number => Date.parse(iso);

describe('minuteOfDay', () => {
  it.each<[string, boolean, number | undefined]>([
    ['00:00', false, 0],
    ['08:00', false, 480],
    ['22:00', false, 1320],
    ['23:59', false, 1439],
    ['24:00', false, undefined],
    ['24:00', true, 1440],
    ['24:01', true, undefined],
    ['25:00', true, undefined],
    ['12:60', false, undefined],
    ['7:00', false, undefined],
    [' 07:00', false, undefined],
    ['07:00:00', false, undefined],
    ['0700', false, undefined],
    ['', false, undefined],
  ])('%j (end of day allowed: %s) → %s', (clock, allowEndOfDay, expected) => {
    expect(minuteOfDay(clock, allowEndOfDay)).toBe(expected);
  });

  it('clockText is its inverse', () => {
    for (const minutes of [0, 59, 480, 1320, 1439, 1440]) expect(minuteOfDay(clockText(minutes), true)).toBe(minutes);
  });
});

describe('isTimeZone', () => {
  it.each([
    ['Europe/Moscow', true],
    ['Europe/Berlin', true],
    ['UTC', true],
    ['Asia/Kolkata', true],
    ['Europe/Moskow', false],
    ['Mars/Olympus_Mons', false],
    ['+03:00x', false],
    ['', false],
  ])('%j → %s', (name, expected) => {
    expect(isTimeZone(name)).toBe(expected);
  });
});

describe('localMinuteOfDay', () => {
  it.each([
    // Moscow is UTC+3 all year.
    ['Europe/Moscow', '2026-01-15T21:00:00Z', '00:00'],
    ['Europe/Moscow', '2026-07-15T21:00:00Z', '00:00'],
    // Berlin: UTC+1 in winter, UTC+2 in summer; the clocks jump at 01:00 UTC.
    ['Europe/Berlin', '2026-03-29T00:59:00Z', '01:59'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', '03:00'],
    ['Europe/Berlin', '2026-10-25T00:59:00Z', '02:59'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z', '02:00'],
    // Midnight is 00, never 24.
    ['UTC', '2026-01-01T00:00:00Z', '00:00'],
    ['Asia/Kolkata', '2026-01-01T18:30:00Z', '00:00'],
  ])('%s at %s reads %s', (zone, iso, clock) => {
    expect(clockText(localMinuteOfDay(zone, at(iso)))).toBe(clock);
  });
});

describe('isQuiet', () => {
  const moscowNights = window('22:00', '08:00', 'Europe/Moscow', ['fatal']);
  const berlinNights = window('22:00', '08:00', 'Europe/Berlin', ['fatal']);
  const berlinTwoToThree = window('02:00', '03:00', 'Europe/Berlin');

  it.each<[string, QuietHours, string, boolean]>([
    // A window across midnight, Moscow (no DST): edges are [from, to).
    ['moscow 21:59', moscowNights, '2026-01-15T18:59:00Z', false],
    ['moscow 22:00', moscowNights, '2026-01-15T19:00:00Z', true],
    ['moscow 23:59', moscowNights, '2026-01-15T20:59:00Z', true],
    ['moscow 00:00', moscowNights, '2026-01-15T21:00:00Z', true],
    ['moscow 07:59', moscowNights, '2026-01-16T04:59:00Z', true],
    ['moscow 08:00', moscowNights, '2026-01-16T05:00:00Z', false],
    ['moscow 12:00', moscowNights, '2026-01-16T09:00:00Z', false],
    // Berlin's DST day changes nothing in Moscow.
    ['moscow 07:59 on Berlin spring-forward day', moscowNights, '2026-03-29T04:59:00Z', true],
    ['moscow 08:00 on Berlin spring-forward day', moscowNights, '2026-03-29T05:00:00Z', false],
    // Berlin, winter (UTC+1) and summer (UTC+2).
    ['berlin winter 07:59', berlinNights, '2026-01-15T06:59:00Z', true],
    ['berlin winter 08:00', berlinNights, '2026-01-15T07:00:00Z', false],
    ['berlin summer 07:59', berlinNights, '2026-07-15T05:59:00Z', true],
    ['berlin summer 08:00', berlinNights, '2026-07-15T06:00:00Z', false],
    ['berlin summer 21:59', berlinNights, '2026-07-15T19:59:00Z', false],
    ['berlin summer 22:00', berlinNights, '2026-07-15T20:00:00Z', true],
    // Spring forward (2026-03-29, 02:00 CET → 03:00 CEST): the night ends at 08:00 on the new clock.
    ['berlin spring eve 22:00 CET', berlinNights, '2026-03-28T21:00:00Z', true],
    ['berlin spring 01:30 CET', berlinNights, '2026-03-29T00:30:00Z', true],
    ['berlin spring 03:00 CEST', berlinNights, '2026-03-29T01:00:00Z', true],
    ['berlin spring 07:59 CEST', berlinNights, '2026-03-29T05:59:00Z', true],
    ['berlin spring 08:00 CEST (07:00 on a fixed UTC+1)', berlinNights, '2026-03-29T06:00:00Z', false],
    // Fall back (2026-10-25, 03:00 CEST → 02:00 CET): the night starts on the old clock, ends on the new.
    ['berlin fall eve 21:59 CEST', berlinNights, '2026-10-24T19:59:00Z', false],
    ['berlin fall eve 22:00 CEST', berlinNights, '2026-10-24T20:00:00Z', true],
    ['berlin fall 07:59 CET', berlinNights, '2026-10-25T06:59:00Z', true],
    ['berlin fall 08:00 CET (09:00 on a fixed UTC+2)', berlinNights, '2026-10-25T07:00:00Z', false],
    // A window inside the hour the clocks skip is never reached on that day...
    ['berlin 02-03 spring 01:59 CET', berlinTwoToThree, '2026-03-29T00:59:00Z', false],
    ['berlin 02-03 spring 03:00 CEST', berlinTwoToThree, '2026-03-29T01:00:00Z', false],
    // ...and in the hour that repeats it is quiet both times.
    ['berlin 02-03 fall 02:00 CEST', berlinTwoToThree, '2026-10-25T00:00:00Z', true],
    ['berlin 02-03 fall 02:59 CEST', berlinTwoToThree, '2026-10-25T00:59:00Z', true],
    ['berlin 02-03 fall 02:00 CET', berlinTwoToThree, '2026-10-25T01:00:00Z', true],
    ['berlin 02-03 fall 02:59 CET', berlinTwoToThree, '2026-10-25T01:59:00Z', true],
    ['berlin 02-03 fall 03:00 CET', berlinTwoToThree, '2026-10-25T02:00:00Z', false],
    ['berlin 02-03 an ordinary day 02:30', berlinTwoToThree, '2026-01-15T01:30:00Z', true],
  ])('%s → quiet %s', (_name, quiet, iso, expected) => {
    expect(isQuiet(quiet, 'error', at(iso))).toBe(expected);
  });

  it('from == to is an empty window: never quiet', () => {
    const same = window('08:00', '08:00', 'UTC');
    for (const iso of ['2026-01-15T07:59:00Z', '2026-01-15T08:00:00Z', '2026-01-15T08:01:00Z', '2026-01-15T20:00:00Z']) {
      expect(isQuiet(same, 'error', at(iso))).toBe(false);
    }
  });

  it('00:00 to 24:00 is quiet all day', () => {
    const allDay = window('00:00', '24:00', 'Europe/Moscow');
    for (const iso of ['2026-01-15T21:00:00Z', '2026-01-16T20:59:00Z', '2026-01-16T09:30:00Z']) {
      expect(isQuiet(allDay, 'warning', at(iso))).toBe(true);
    }
  });

  it.each<[Level | null, boolean]>([
    ['fatal', false],
    ['error', true],
    ['warning', true],
    ['info', true],
    ['debug', true],
    [null, true],
  ])('inside the window, level %s → quiet %s (loud: fatal)', (level, expected) => {
    expect(isQuiet(moscowNights, level, at('2026-01-15T20:00:00Z'))).toBe(expected);
  });

  it('outside the window even a quiet level rings', () => {
    expect(isQuiet(moscowNights, 'debug', at('2026-01-15T12:00:00Z'))).toBe(false);
  });

  it('several loud levels', () => {
    const q = window('00:00', '24:00', 'UTC', ['fatal', 'error']);
    expect([isQuiet(q, 'fatal', 0), isQuiet(q, 'error', 0), isQuiet(q, 'warning', 0)]).toEqual([false, false, true]);
  });
});
