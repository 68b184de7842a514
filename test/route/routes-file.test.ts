import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { loadRoutes, RoutesFileError } from '../../src/route/routes-file.js';

const FILE = 'sentry-tg.routes.yaml';

const load = (yaml: string) => loadRoutes(yaml, FILE);

/** Loading fails with exactly these problems, in this order. */
function rejects(yaml: string, problems: unknown[]): void {
  expect(() => load(yaml)).toThrow(expect.objectContaining({ name: 'RoutesFileError', problems }));
}

/** The one route of a file that holds one, with only `match` varying. */
function matchOf(match: string) {
  return load(`routes:\n  - name: r\n    chat: "1"\n    match: ${match}\n`).routes[0]?.match;
}

// The example from issue 13, byte for byte: tests outside this repository rely on its names.
const ISSUE_EXAMPLE = `default:                     # optional: alerts that match no route
  chat: "-1001111111111"
routes:
  - name: backend-team
    match:                   # every key optional; a value or a list of values
      project: backend       # project slug
      environment: production
      level: error           # at least: fatal > error > warning > info > debug
      resource: [issue, event_alert]
      rule: "Checkout errors"
      tags: { region: eu }
    chat: "-1002222222222"   # a chat id or @channel
    topic: 5                 # optional forum topic
    locale: ru               # optional
    template: compact        # optional, a template set from SENTRY_TG_TEMPLATES
    quiet: { from: "22:00", to: "08:00", tz: "Europe/Moscow", loud_levels: [fatal] }
    continue: false
`;

describe('loadRoutes: the example from the issue', () => {
  it('parses to exactly this configuration, with no warnings', () => {
    expect(load(ISSUE_EXAMPLE)).toEqual({
      default: { chatId: '-1001111111111' },
      routes: [
        {
          name: 'backend-team',
          match: {
            project: ['backend'],
            environment: ['production'],
            level: { atLeast: 'error' },
            resource: ['issue', 'event_alert'],
            rule: ['Checkout errors'],
            tags: { region: ['eu'] },
          },
          chatId: '-1002222222222',
          topicId: 5,
          locale: 'ru',
          template: 'compact',
          quiet: { fromMinuteOfDay: 22 * 60, toMinuteOfDay: 8 * 60, timeZone: 'Europe/Moscow', loudLevels: ['fatal'] },
          continue: false,
        },
      ],
      warnings: [],
    });
  });
});

describe('loadRoutes: what each key accepts', () => {
  it('a route needs only a name and a chat: matches everything, does not continue', () => {
    expect(load('routes:\n  - name: all\n    chat: "@ops_alerts"\n')).toEqual({
      routes: [{ name: 'all', match: {}, chatId: '@ops_alerts', continue: false }],
      warnings: [],
    });
  });

  it('a file with only a default is fine', () => {
    expect(load('default: { chat: -1001111111111, topic: 3, locale: en }\n')).toEqual({
      routes: [],
      default: { chatId: '-1001111111111', topicId: 3, locale: 'en' },
      warnings: [],
    });
  });

  it.each([
    ['"-1002222222222"', '-1002222222222'],
    ['-1002222222222', '-1002222222222'],
    ['123456789', '123456789'],
    ['"@my_channel"', '@my_channel'],
    ['"@abcd"', '@abcd'],
    // A link to a message in a private supergroup, as SENTRY_ALERT_CHAT_ID takes it.
    ['"https://t.me/c/2222222222/15"', '-1002222222222'],
  ])('chat %s → %j', (yaml, chatId) => {
    expect(load(`default: { chat: ${yaml} }\n`).default?.chatId).toBe(chatId);
  });

  it.each([
    ['hello', '"hello" is not a chat id such as "-1001234567890" or a public @username'],
    ['"@ab"', '"@ab" is not a chat id such as "-1001234567890" or a public @username'],
    ['"-100 222"', '"-100 222" is not a chat id such as "-1001234567890" or a public @username'],
    ['0', 'must be a chat id such as "-1001234567890" or a public @username'],
    ['1.5', 'must be a chat id such as "-1001234567890" or a public @username (write long ids in quotes)'],
    ['-10022222222222222222', 'must be a chat id such as "-1001234567890" or a public @username (write long ids in quotes)'],
    ['[1, 2]', 'must be a chat id such as "-1001234567890" or a public @username'],
    ['"12345678901234567"', '"12345678901234567" is not a chat id such as "-1001234567890" or a public @username'],
  ])('chat %s is refused', (yaml, message) => {
    rejects(`default: { chat: ${yaml} }\n`, [`${FILE}:1:18: default.chat: ${message}`]);
  });

  it.each([
    ['project', 'backend', ['backend']],
    ['project', '[backend, api]', ['backend', 'api']],
    ['project', '42', ['42']],
    ['environment', 'production', ['production']],
    ['environment', '[production, staging]', ['production', 'staging']],
    ['rule', '"Checkout errors"', ['Checkout errors']],
    ['rule', '["A", "B"]', ['A', 'B']],
    ['resource', 'metric_alert', ['metric_alert']],
    ['resource', '[issue, Event_Alert, legacy]', ['issue', 'event_alert', 'legacy']],
  ])('match.%s: %s', (key, yaml, expected) => {
    expect(matchOf(`{ ${key}: ${yaml} }`)).toEqual({ [key]: expected });
  });

  it.each([
    ['error', { atLeast: 'error' }],
    ['Warning', { atLeast: 'warning' }],
    // A list in the at-least form: at least the lowest of them.
    ['[error, warning]', { atLeast: 'warning' }],
    ['{ exactly: warning }', { exactly: ['warning'] }],
    ['{ exactly: [warning, info] }', { exactly: ['warning', 'info'] }],
  ])('match.level: %s', (yaml, expected) => {
    expect(matchOf(`{ level: ${yaml} }`)).toEqual({ level: expected });
  });

  it('match.tags: each tag a value or a list', () => {
    expect(matchOf('{ tags: { region: eu, tier: [gold, silver], shard: 7 } }')).toEqual({
      tags: { region: ['eu'], tier: ['gold', 'silver'], shard: ['7'] },
    });
  });

  it('quiet: "24:00" ends the day, loud_levels is optional, unquoted times are read too', () => {
    const { routes } = load('routes:\n  - name: r\n    chat: "1"\n    quiet: { from: 00:00, to: "24:00", tz: UTC }\n');
    expect(routes[0]?.quiet).toEqual({ fromMinuteOfDay: 0, toMinuteOfDay: 1440, timeZone: 'UTC', loudLevels: [] });
  });

  it('continue: true is kept', () => {
    expect(load('routes:\n  - name: r\n    chat: "1"\n    continue: true\n').routes[0]?.continue).toBe(true);
  });
});

describe('loadRoutes: one error listing every problem with file:line:column', () => {
  it('a file with many mistakes reports each of them, in file order', () => {
    const yaml = [
      /*  1 */ 'default:',
      /*  2 */ '  chat: hello',
      /*  3 */ '  topci: 3',
      /*  4 */ 'routes:',
      /*  5 */ '  - name: backend',
      /*  6 */ '    match:',
      /*  7 */ '      levle: error',
      /*  8 */ '      level: { exactly: [warning, loud] }',
      /*  9 */ '      resource: [metric_alerts, issue]',
      /* 10 */ '      tags: { region: [eu, { x: 1 }] }',
      /* 11 */ '      project: []',
      /* 12 */ '    chat: -1002222222222',
      /* 13 */ '    topic: 0',
      /* 14 */ '    locale: de',
      /* 15 */ '    quiet: { from: "7:00", to: "25:00", tz: Mars/Base }',
      /* 16 */ '    continue: yes',
      /* 17 */ '  - name: backend',
      /* 18 */ '  - chat: "@ops_team"',
      /* 19 */ '    name: default',
      /* 20 */ '  - 42',
      /* 21 */ 'extra: 1',
      '',
    ].join('\n');
    rejects(yaml, [
      `${FILE}:2:9: default.chat: "hello" is not a chat id such as "-1001234567890" or a public @username`,
      `${FILE}:3:3: default.topci: unknown key (did you mean "topic"?)`,
      `${FILE}:7:7: routes[0] "backend".match.levle: unknown key (did you mean "level"?)`,
      `${FILE}:8:35: routes[0] "backend".match.level.exactly[1]: "loud" is not a level: use fatal, error, warning, info, debug`,
      `${FILE}:9:18: routes[0] "backend".match.resource[0]: "metric_alerts" is not a resource: did you mean metric_alert?`,
      `${FILE}:10:28: routes[0] "backend".match.tags.region[1]: must be text, not a list or mapping`,
      `${FILE}:11:16: routes[0] "backend".match.project: is an empty list: give at least one value, or leave the key out`,
      `${FILE}:13:12: routes[0] "backend".topic: must be a forum topic id, a whole number above 0`,
      `${FILE}:14:13: routes[0] "backend".locale: "de" is not a locale: use en or ru`,
      `${FILE}:15:20: routes[0] "backend".quiet.from: must be a time "HH:MM" in quotes, 00:00 to 23:59`,
      `${FILE}:15:32: routes[0] "backend".quiet.to: must be a time "HH:MM" in quotes, 00:00 to 24:00`,
      `${FILE}:15:45: routes[0] "backend".quiet.tz: "Mars/Base" is not a time zone: use an IANA name such as Europe/Moscow or UTC`,
      `${FILE}:16:15: routes[0] "backend".continue: must be true or false`,
      `${FILE}:17:5: routes[1] "backend".chat: is required`,
      `${FILE}:17:11: routes[1] "backend".name: "backend" is already the name of routes[0]: names must be unique`,
      `${FILE}:19:11: routes[2] "default".name: "default" is reserved for the default chat: pick another name`,
      `${FILE}:20:5: routes[3]: must be a mapping (name, match, chat, topic, locale, template, quiet, continue)`,
      `${FILE}:21:1: extra: unknown key (use default, routes)`,
    ]);
  });

  it('the error is a user error (exit 2) whose text lists each problem and names the file to fix', () => {
    expect(() => load('routes:\n  - name: a\n    chat: x\n  - name: b\n')).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: [
          `${FILE} has 2 problems:`,
          `  - ${FILE}:3:11: routes[0] "a".chat: "x" is not a chat id such as "-1001234567890" or a public @username`,
          `  - ${FILE}:4:5: routes[1] "b".chat: is required`,
        ].join('\n'),
        hint: `Fix them in ${FILE} and start again.`,
      }),
    );
    expect(() => load('')).toThrow(UserError);
    expect(() => load('')).toThrow(RoutesFileError);
  });

  it.each<[string, string, string[]]>([
    ['an empty file', '', [`${FILE}:1:1: is empty: add \`routes:\` (and optionally \`default:\`)`]],
    ['only comments', '# nothing yet\n', [`${FILE}:1:1: is empty: add \`routes:\` (and optionally \`default:\`)`]],
    [
      'no routes and no default',
      'routes: []\n',
      [`${FILE}:1:1: has no routes and no default chat: every alert would go nowhere (add \`routes:\` or \`default:\`)`],
    ],
    ['a list at the top', '- name: a\n', [`${FILE}:1:1: must be a mapping (default, routes)`]],
    ['routes as a mapping', 'routes:\n  name: a\n', [`${FILE}:2:3: routes: must be a list of routes (each item starts with "- name:")`]],
    ['a route without a name', 'routes:\n  - chat: "1"\n', [`${FILE}:2:5: routes[0].name: is required`]],
    ['an empty name', 'routes:\n  - name: " "\n    chat: "1"\n', [`${FILE}:2:11: routes[0].name: must not be empty`]],
    ['match: with nothing after it', 'routes:\n  - name: a\n    chat: "1"\n    match:\n', [`${FILE}:4:5: routes[0] "a".match: must be a mapping (project, environment, level, resource, rule, tags)`]],
    ['level as an unknown mapping', 'routes:\n  - name: a\n    chat: "1"\n    match: { level: { min: error } }\n', [`${FILE}:4:21: routes[0] "a".match.level: as a mapping takes one key, \`exactly\` (e.g. \`level: {exactly: warning}\`)`]],
    ['a level alias', 'routes:\n  - name: a\n    chat: "1"\n    match: { level: warn }\n', [`${FILE}:4:21: routes[0] "a".match.level: "warn" is not a level: use fatal, error, warning, info, debug`]],
    ['a malformed resource', 'routes:\n  - name: a\n    chat: "1"\n    match: { resource: "Metric alert" }\n', [`${FILE}:4:24: routes[0] "a".match.resource: "Metric alert" is not a resource name: use issue, event_alert, metric_alert, error, comment, seer, installation, legacy`]],
    ['tags as a list', 'routes:\n  - name: a\n    chat: "1"\n    match: { tags: [region] }\n', [`${FILE}:4:20: routes[0] "a".match.tags: must be a mapping of tag names to values (e.g. \`tags: {region: eu}\`)`]],
    ['tags empty', 'routes:\n  - name: a\n    chat: "1"\n    match: { tags: {} }\n', [`${FILE}:4:20: routes[0] "a".match.tags: is empty: name at least one tag, or leave the key out`]],
    ['quiet without tz', 'routes:\n  - name: a\n    chat: "1"\n    quiet: { from: "22:00", to: "08:00" }\n', [`${FILE}:4:12: routes[0] "a".quiet.tz: is required`]],
    ['quiet from 24:00', 'default:\n  chat: "1"\n  quiet: { from: "24:00", to: "08:00", tz: UTC }\n', [`${FILE}:3:18: default.quiet.from: must be a time "HH:MM" in quotes, 00:00 to 23:59`]],
    ['a bad loud level', 'default:\n  chat: "1"\n  quiet: { from: "22:00", to: "08:00", tz: UTC, loud_levels: [fatal, panic] }\n', [`${FILE}:3:70: default.quiet.loud_levels[1]: "panic" is not a level: use fatal, error, warning, info, debug`]],
    ['a misspelt quiet key', 'default:\n  chat: "1"\n  quiet: { from: "22:00", to: "08:00", tz: UTC, loud_level: [fatal] }\n', [`${FILE}:3:49: default.quiet.loud_level: unknown key (did you mean "loud_levels"?)`]],
    ['a template path', 'default:\n  chat: "1"\n  template: ../../etc/passwd\n', [`${FILE}:3:13: default.template: must be a template set name (letters, digits, - and _), as in SENTRY_TG_TEMPLATES`]],
    ['a topic beyond 2^31', 'default:\n  chat: "1"\n  topic: 4294967296\n', [`${FILE}:3:10: default.topic: must be a forum topic id, a whole number above 0`]],
    ['a topic as text', 'default:\n  chat: "1"\n  topic: "5"\n', [`${FILE}:3:10: default.topic: must be a forum topic id, a whole number above 0`]],
  ])('%s', (_name, yaml, problems) => {
    rejects(yaml, problems);
  });

  it('YAML syntax errors are reported with their lines (and nothing else, the structure being unknown)', () => {
    rejects('routes:\n  - name: a\n    name: b\n    chat: [1\n', [
      `${FILE}:3:5: Map keys must be unique`,
      expect.stringMatching(new RegExp(`^${FILE}:5:1: `)),
    ]);
  });

  it('two documents in one file are refused', () => {
    rejects('default: { chat: "1" }\n---\ndefault: { chat: "2" }\n', [expect.stringMatching(new RegExp(`^${FILE}:2:1: .*multiple documents`))]);
  });

  it('an alias bomb is refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    rejects(`${lines.join('\n')}\n`, [expect.stringMatching(new RegExp(`^${FILE}: .*alias`, 'i'))]);
  });
});

describe('loadRoutes: warnings for what is allowed but probably not meant', () => {
  it('a resource sentry-tg does not know (a newer Sentry may send it)', () => {
    const config = load('routes:\n  - name: a\n    chat: "1"\n    match: { resource: [issue, uptime_monitor] }\n');
    expect(config.routes[0]?.match.resource).toEqual(['issue', 'uptime_monitor']);
    expect(config.warnings).toEqual([
      `${FILE}:4:32: routes[0] "a".match.resource[1]: "uptime_monitor" is not a resource sentry-tg knows: this matches only if Sentry sends it`,
    ]);
  });

  it('quiet from equal to to: never quiet', () => {
    expect(load('default:\n  chat: "1"\n  quiet: { from: "08:00", to: "08:00", tz: UTC }\n').warnings).toEqual([
      `${FILE}:3:10: default.quiet: from and to are both 08:00: never quiet (for all day, use "00:00" to "24:00")`,
    ]);
  });

  it('routes after a catch-all that does not continue, and a default it makes unused', () => {
    const yaml = 'default: { chat: "9" }\nroutes:\n  - name: all\n    chat: "1"\n  - name: later\n    chat: "2"\n    match: { project: a }\n';
    expect(load(yaml).warnings).toEqual([
      `${FILE}:1:10: default: is never used: route "all" matches every alert`,
      `${FILE}:5:5: routes[1] "later": never matches: route "all" above matches every alert and does not continue`,
    ]);
  });

  it('a catch-all that continues hides nothing', () => {
    const yaml = 'routes:\n  - name: archive\n    chat: "1"\n    continue: true\n  - name: later\n    chat: "2"\n    match: { project: a }\n';
    expect(load(yaml).warnings).toEqual([]);
  });
});
