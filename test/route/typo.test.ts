import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/route/typo.js';

describe('editDistance', () => {
  it.each([
    ['level', 'level', 0],
    ['levle', 'level', 1], // a swap is one edit
    ['lvl', 'level', 2],
    ['metric_alerts', 'metric_alert', 1],
    ['', 'abc', 3],
    ['tz', 'to', 1],
  ])('%s → %s: %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closest', () => {
  const keys = ['from', 'to', 'tz', 'loud_levels'];
  it.each([
    ['loud_level', keys, 'loud_levels'],
    ['Loud_Levels', keys, 'loud_levels'],
    ['form', keys, 'from'],
    ['tx', keys, 'to'], // one edit from both `to` and `tz`: the first listed
    ['timezone', keys, undefined],
    ['zone', keys, undefined],
    ['evnet_alert', ['issue', 'event_alert'], 'event_alert'],
    ['uptime', ['issue', 'event_alert'], undefined],
    ['x', [], undefined],
  ])('%s → %s', (wrong, names, expected) => {
    expect(closest(wrong, names)).toBe(expected);
  });
});
