import { describe, expect, it } from 'vitest';
import { normalise } from '../../src/normalise/normalise.js';
import { eventTags } from '../../src/normalise/tags.js';
import { fixture } from '../helpers.js';

describe('eventTags', () => {
  it.each<[string, unknown, Record<string, string> | undefined]>([
    ['[key, value] pairs', [['region', 'eu'], ['browser', 'Chrome']], { region: 'eu', browser: 'Chrome' }],
    ['{key, value} objects', [{ key: 'region', value: 'eu' }, { key: 'handled', value: 'no' }], { region: 'eu', handled: 'no' }],
    ['a mix of both', [['a', '1'], { key: 'b', value: '2' }], { a: '1', b: '2' }],
    ['a plain map', { region: 'eu', shard: '7' }, { region: 'eu', shard: '7' }],
    ['only strings: Sentry sends nothing else', [['shard', 7], ['canary', true], { region: 1 }, ['ok', 'yes']], { ok: 'yes' }],
    ['the first of a repeated key', [['region', 'eu'], ['region', 'us']], { region: 'eu' }],
    ['values trimmed, blanks dropped', [['region', ' eu '], ['empty', '  '], ['', 'x']], { region: 'eu' }],
    ['junk entries skipped', [null, 'region', ['only-key'], [1], { key: 'k' }, [{}, 'v'], ['ok', 'yes']], { ok: 'yes' }],
    ['none', [], undefined],
    ['absent', undefined, undefined],
    ['not a list or map', 'region:eu', undefined],
  ])('%s', (_name, tags, expected) => {
    expect(eventTags(tags)).toEqual(expected);
  });

  it('drops over-long keys and values rather than clipping them', () => {
    const long = 'x'.repeat(201);
    expect(eventTags([['region', long], [long, 'eu'], ['ok', 'x'.repeat(200)]])).toEqual({ ok: 'x'.repeat(200) });
  });

  it('keeps at most 100 tags', () => {
    const tags = Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v']);
    const out = eventTags(tags);
    expect(Object.keys(out ?? {})).toHaveLength(100);
    expect(out?.k99).toBe('v');
    expect(out?.k100).toBeUndefined();
  });

  it('a __proto__ tag is an own property, not the prototype', () => {
    const out = eventTags([['__proto__', 'polluted'], ['region', 'eu']]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out ?? {}, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('normalise fills alert.tags', () => {
  it('legacy plugin: the event tags', () => {
    const alert = normalise({ resource: undefined, body: fixture('legacy-webhooks-plugin.json') });
    expect(alert.tags).toMatchObject({ browser: 'Chrome 76.0.3809', handled: 'no', level: 'error', url: 'https://null.jsbin.com/runner' });
  });

  it('event_alert: the event tags', () => {
    const alert = normalise({ resource: 'event_alert', body: fixture('event_alert.triggered.json') });
    expect(alert.tags).toMatchObject({ 'os.name': 'Mac OS X', user: 'ip:162.217.75.90' });
  });

  it('error.created: tags under data.error', () => {
    const body = { action: 'created', data: { error: { event_id: 'e1', title: 'E', tags: [{ key: 'region', value: 'eu' }] } } };
    expect(normalise({ resource: 'error', body }).tags).toEqual({ region: 'eu' });
  });

  it.each(['issue.created.json', 'comment.created.json', 'seer.root_cause_completed.json', 'installation.created.json'])(
    '%s has no tags',
    (file) => {
      const alert = normalise({ resource: file.split('.')[0], body: fixture(file) });
      expect(alert).not.toHaveProperty('tags');
    },
  );

  it('an event without tags has no tags property', () => {
    const body = { action: 'triggered', data: { event: { event_id: 'e1', title: 'E' }, triggered_rule: 'R' } };
    expect(normalise({ resource: 'event_alert', body })).not.toHaveProperty('tags');
  });
});
