import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/normalise/alert.js';
import { normalise } from '../../src/normalise/normalise.js';
import { singleChatRoutes } from '../../src/route/config.js';
import { matchRoutes, resourceNames } from '../../src/route/match.js';
import { loadRoutes } from '../../src/route/routes-file.js';
import { fixture } from '../helpers.js';

function alert(over: Partial<Alert> = {}): Alert {
  return {
    kind: 'event',
    source: 'integration',
    resource: 'event_alert',
    action: 'triggered',
    level: 'error',
    title: 'E: boom',
    project: 'backend',
    environment: 'production',
    rule: 'Checkout errors',
    tags: { region: 'eu', tier: 'gold' },
    fields: [],
    dedupKey: 'k',
    ...over,
  };
}

/** One route `hit` with this match, then nothing: does the alert reach it? */
function reaches(match: string, a: Alert): boolean {
  const config = loadRoutes(`routes:\n  - name: hit\n    chat: "1"\n    match: ${match}\n`, 'test.yaml');
  return matchRoutes(a, config).some((t) => t.routeName === 'hit');
}

/** The route names an alert reaches, in order. */
function names(yaml: string, a: Alert): string[] {
  return matchRoutes(a, loadRoutes(yaml, 'test.yaml')).map((t) => t.routeName);
}

describe('each match field', () => {
  it.each<[string, string, Partial<Alert>, boolean]>([
    ['project equal', '{ project: backend }', {}, true],
    ['project different', '{ project: frontend }', {}, false],
    ['project missing on the alert', '{ project: backend }', { project: undefined }, false],
    ['project in a list', '{ project: [frontend, backend] }', {}, true],
    ['project compares exactly', '{ project: Backend }', {}, false],
    ['environment equal', '{ environment: production }', {}, true],
    ['environment different', '{ environment: staging }', {}, false],
    ['environment missing on the alert', '{ environment: production }', { environment: undefined }, false],
    ['environment in a list', '{ environment: [staging, production] }', {}, true],
    ['rule equal', '{ rule: "Checkout errors" }', {}, true],
    ['rule different', '{ rule: "Other" }', {}, false],
    ['rule missing on the alert', '{ rule: "Checkout errors" }', { rule: undefined }, false],
    ['rule in a list', '{ rule: [Other, "Checkout errors"] }', {}, true],
    ['rule: one of the plugin\'s joined rules', '{ rule: Second }', { rule: 'First, Second' }, true],
    ['rule: the plugin\'s joined rules as a whole', '{ rule: "First, Second" }', { rule: 'First, Second' }, true],
    ['rule: not a part of a name', '{ rule: First }', { rule: 'First rule' }, false],
    ['tag equal', '{ tags: { region: eu } }', {}, true],
    ['tag different', '{ tags: { region: us } }', {}, false],
    ['tag value in a list', '{ tags: { region: [us, eu] } }', {}, true],
    ['tag absent', '{ tags: { shard: "7" } }', {}, false],
    ['alert without tags', '{ tags: { region: eu } }', { tags: undefined }, false],
    ['two tags, both there', '{ tags: { region: eu, tier: gold } }', {}, true],
    ['two tags, one wrong', '{ tags: { region: eu, tier: silver } }', {}, false],
    ['a tag named like an Object method', '{ tags: { constructor: x } }', {}, false],
    ['every field at once, all true', '{ project: backend, environment: production, level: error, resource: event_alert, rule: "Checkout errors", tags: { region: eu } }', {}, true],
    ['every field at once, one false', '{ project: backend, environment: production, level: fatal, resource: event_alert, rule: "Checkout errors", tags: { region: eu } }', {}, false],
    ['no conditions: everything', '{}', { project: undefined, level: null, tags: undefined }, true],
  ])('%s → %s', (_name, match, over, expected) => {
    expect(reaches(match, alert(over))).toBe(expected);
  });
});

describe('level: at least versus exactly', () => {
  it.each<[string, Alert['level'], boolean]>([
    ['error', 'fatal', true],
    ['error', 'error', true],
    ['error', 'warning', false],
    ['error', 'debug', false],
    ['error', null, false],
    ['debug', 'debug', true],
    ['debug', null, false],
    ['fatal', 'error', false],
    ['[error, info]', 'warning', true],
    ['[error, info]', 'debug', false],
    ['{ exactly: warning }', 'warning', true],
    ['{ exactly: warning }', 'error', false],
    ['{ exactly: warning }', 'fatal', false],
    ['{ exactly: warning }', 'info', false],
    ['{ exactly: [fatal, info] }', 'info', true],
    ['{ exactly: [fatal, info] }', 'error', false],
    ['{ exactly: [fatal, info] }', null, false],
  ])('level: %s, alert %s → %s', (level, alertLevel, expected) => {
    expect(reaches(`{ level: ${level} }`, alert({ level: alertLevel }))).toBe(expected);
  });
});

describe('resource', () => {
  it.each<[string, string, boolean]>([
    ['issue', 'issue', true],
    ['issue', 'event_alert', false],
    ['event_alert', 'event_alert', true],
    // The WebHooks plugin only sends issue alerts: it answers to event_alert, and to legacy.
    ['event_alert', 'legacy', true],
    ['legacy', 'legacy', true],
    ['legacy', 'event_alert', false],
    ['error', 'error', true],
    ['error', 'event_alert', false],
    ['metric_alert', 'metric_alert', true],
    ['comment', 'comment', true],
    ['seer', 'seer', true],
    ['installation', 'installation', true],
    ['[issue, metric_alert]', 'metric_alert', true],
    ['[issue, metric_alert]', 'comment', false],
    ['uptime_monitor', 'uptime_monitor', true],
  ])('resource: %s, alert %s → %s', (resource, alertResource, expected) => {
    expect(reaches(`{ resource: ${resource} }`, alert({ resource: alertResource }))).toBe(expected);
  });

  it('resourceNames', () => {
    expect(resourceNames({ resource: 'legacy' })).toEqual(['event_alert', 'legacy']);
    expect(resourceNames({ resource: 'issue' })).toEqual(['issue']);
  });
});

const THREE = `default: { chat: "-1009" }
routes:
  - name: backend
    match: { project: backend }
    chat: "-1001"
  - name: errors
    match: { level: error }
    chat: "-1002"
  - name: everything-else
    match: { environment: production }
    chat: "-1003"
`;

describe('order, continue and the default', () => {
  it('first match wins', () => {
    expect(names(THREE, alert())).toEqual(['backend']);
    expect(names(THREE, alert({ project: 'web' }))).toEqual(['errors']);
    expect(names(THREE, alert({ project: 'web', level: 'info' }))).toEqual(['everything-else']);
  });

  it('no match → the default chat, named "default"', () => {
    const targets = matchRoutes(alert({ project: 'web', level: 'info', environment: 'dev' }), loadRoutes(THREE, 't.yaml'));
    expect(targets).toEqual([{ chatId: '-1009', topicId: null, routeName: 'default' }]);
  });

  it('no match and no default → no targets (the caller counts it unrouted)', () => {
    const yaml = 'routes:\n  - name: backend\n    match: { project: backend }\n    chat: "-1001"\n';
    expect(matchRoutes(alert({ project: 'web' }), loadRoutes(yaml, 't.yaml'))).toEqual([]);
  });

  const FAN = `default: { chat: "-1009" }
routes:
  - name: archive
    chat: "-1000"
    continue: true
  - name: backend
    match: { project: backend }
    chat: "-1001"
    continue: true
  - name: errors
    match: { level: error }
    chat: "-1002"
  - name: after-stop
    match: { project: backend }
    chat: "-1003"
`;

  it('continue: true fans out to later matching routes, until one that does not continue', () => {
    expect(names(FAN, alert())).toEqual(['archive', 'backend', 'errors']);
  });

  it('continue skips routes that do not match', () => {
    expect(names(FAN, alert({ level: 'info' }))).toEqual(['archive', 'backend', 'after-stop']);
    expect(names(FAN, alert({ project: 'web' }))).toEqual(['archive', 'errors']);
  });

  it('a continuing match with nothing after it does not fall through to the default', () => {
    expect(names(FAN, alert({ project: 'web', level: 'info' }))).toEqual(['archive']);
  });

  it('the same chat and topic twice is one target, with the first route\'s settings', () => {
    const yaml = `routes:
  - name: a
    chat: "-1001"
    topic: 4
    locale: ru
    continue: true
  - name: b
    chat: "-1001"
    topic: 4
    locale: en
    continue: true
  - name: c
    chat: "-1001"
`;
    expect(matchRoutes(alert(), loadRoutes(yaml, 't.yaml'))).toEqual([
      { chatId: '-1001', topicId: 4, locale: 'ru', routeName: 'a' },
      { chatId: '-1001', topicId: null, routeName: 'c' },
    ]);
  });

  it('a target carries the route\'s topic, locale, template and quiet hours', () => {
    const yaml = `routes:
  - name: night-shift
    chat: "@ops_alerts"
    topic: 7
    locale: ru
    template: compact
    quiet: { from: "22:00", to: "08:00", tz: Europe/Moscow, loud_levels: [fatal] }
`;
    expect(matchRoutes(alert(), loadRoutes(yaml, 't.yaml'))).toEqual([
      {
        chatId: '@ops_alerts',
        topicId: 7,
        locale: 'ru',
        template: 'compact',
        quiet: { fromMinuteOfDay: 1320, toMinuteOfDay: 480, timeZone: 'Europe/Moscow', loudLevels: ['fatal'] },
        routeName: 'night-shift',
      },
    ]);
  });
});

describe('without a routes file', () => {
  it('singleChatRoutes: every alert goes to the one chat', () => {
    const config = singleChatRoutes('-1001234567890');
    for (const a of [alert(), alert({ kind: 'comment', resource: 'comment', level: null, project: undefined, tags: undefined })]) {
      expect(matchRoutes(a, config)).toEqual([{ chatId: '-1001234567890', topicId: null, routeName: 'default' }]);
    }
  });

  it('singleChatRoutes: with a forum topic', () => {
    expect(matchRoutes(alert(), singleChatRoutes('-100123', 42))).toEqual([{ chatId: '-100123', topicId: 42, routeName: 'default' }]);
    expect(singleChatRoutes('-100123', null)).toEqual({ routes: [], default: { chatId: '-100123' }, warnings: [] });
  });
});

describe('real payloads through the routes of the issue example', () => {
  const yaml = `default: { chat: "-1001111111111" }
routes:
  - name: front-end-rules
    match: { project: front-end, resource: event_alert, level: error, tags: { handled: "no" } }
    chat: "-1002222222222"
  - name: issues
    match: { resource: issue }
    chat: "-1003333333333"
`;
  const config = loadRoutes(yaml, 't.yaml');
  it.each([
    ['legacy-webhooks-plugin.json', undefined, ['default']], // project "meow"
    ['event_alert.triggered.json', 'event_alert', ['front-end-rules']],
    ['issue.created.json', 'issue', ['issues']],
    ['comment.created.json', 'comment', ['default']],
  ])('%s → %j', (file, resource, expected) => {
    const a = normalise({ resource, body: fixture(file) });
    expect(matchRoutes(a, config).map((t) => t.routeName)).toEqual(expected);
  });

  it('the plugin payload reaches an event_alert route for its project', () => {
    const a = normalise({ resource: undefined, body: fixture('legacy-webhooks-plugin.json') });
    expect(reaches('{ project: meow, resource: event_alert, tags: { browser.name: Chrome } }', a)).toBe(true);
  });
});
