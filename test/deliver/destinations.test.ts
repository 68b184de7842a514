// Which locale, template set and quiet hours a target gets: the route by name, else the chat's
// first route, else the global locale.
import { describe, expect, it } from 'vitest';
import { destinationsOf, silentAt } from '../../src/deliver/destinations.js';
import { loadRoutes } from '../../src/route/routes-file.js';

const routes = loadRoutes(
  `
default: { chat: "-300", locale: ru }
routes:
  - { name: first, match: { project: a }, chat: "-100", locale: ru, template: compact }
  - { name: second, match: { project: b }, chat: "-100", locale: en }
  - { name: night, match: { project: c }, chat: "-200", quiet: { from: "22:00", to: "08:00", tz: UTC, loud_levels: [fatal] } }
`,
  'test.routes.yaml',
);

describe('destinationsOf', () => {
  const of = destinationsOf(routes, 'en');
  it.each([
    ['-100', 'first', { locale: 'ru', template: 'compact' }],
    ['-100', 'second', { locale: 'en' }],
    ['-300', 'default', { locale: 'ru' }],
    // A button edit or a row from before routes: the first route posting to that chat.
    ['-100', null, { locale: 'ru', template: 'compact' }],
    ['-100', 'renamed-since', { locale: 'ru', template: 'compact' }],
    // A chat no route names (or no routes file): the global locale, nothing else.
    ['-999', null, { locale: 'en' }],
  ] as const)('%s %s', (chat, name, expected) => {
    expect(of(chat, name)).toEqual(expected);
  });

  it('without routes everything is the global locale', () => {
    expect(destinationsOf(undefined, 'ru')('-1', 'default')).toEqual({ locale: 'ru' });
  });
});

describe('silentAt', () => {
  const night = destinationsOf(routes, 'en')('-200', 'night');
  const at = (iso: string) => Date.parse(iso);
  it('is silent inside the window unless a level is loud, never outside it or without quiet hours', () => {
    expect(silentAt(night, ['error'], at('2026-03-01T23:00:00Z'))).toBe(true);
    expect(silentAt(night, [null], at('2026-03-01T07:59:00Z'))).toBe(true);
    expect(silentAt(night, ['fatal'], at('2026-03-01T23:00:00Z'))).toBe(false);
    // A digest with one loud line rings.
    expect(silentAt(night, ['warning', 'fatal'], at('2026-03-01T23:00:00Z'))).toBe(false);
    expect(silentAt(night, ['error'], at('2026-03-01T08:00:00Z'))).toBe(false);
    expect(silentAt({ locale: 'en' }, ['error'], at('2026-03-01T23:00:00Z'))).toBe(false);
  });
});
