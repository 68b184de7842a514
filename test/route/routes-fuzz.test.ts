// Whatever the routes file holds, loading it either succeeds or throws RoutesFileError with at
// least one file:line problem; it never crashes with a TypeError. And whatever an alert carries
// (it comes from the network), matching never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Alert } from '../../src/normalise/alert.js';
import { matchRoutes } from '../../src/route/match.js';
import { loadRoutes, RoutesFileError } from '../../src/route/routes-file.js';

function outcome(text: string): 'ok' | 'refused' {
  try {
    loadRoutes(text, 'fuzz.yaml');
    return 'ok';
  } catch (err) {
    // Only the typed error is allowed out; anything else fails the property with its stack.
    if (!(err instanceof RoutesFileError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) expect(p).toMatch(/^fuzz\.yaml(:\d+:\d+)?: /);
    return 'refused';
  }
}

const word = fc.constantFrom(
  'default', 'routes', 'name', 'match', 'chat', 'topic', 'locale', 'template', 'quiet', 'continue',
  'project', 'environment', 'level', 'resource', 'rule', 'tags', 'exactly', 'from', 'to', 'tz',
  'loud_levels', '__proto__', 'constructor', 'error', 'issue', '-1001', '@ops_team', '22:00', 'UTC',
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    word,
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(word, tie('node'), { maxKeys: 5 }),
  ),
})).node;

describe('routes file fuzz', () => {
  it('any YAML structure: loaded or refused with located problems, never a crash', () => {
    fc.assert(
      fc.property(fc.dictionary(word, value, { maxKeys: 3 }), (doc) => {
        expect(['ok', 'refused']).toContain(outcome(stringify(doc)));
      }),
      { numRuns: 400 },
    );
  });

  it('routes-shaped structures with random values: never a crash', () => {
    const route = fc.dictionary(word, value, { maxKeys: 6 }).map((r) => ({ name: 'r', chat: '1', ...r }));
    fc.assert(
      fc.property(fc.array(route, { maxLength: 3 }), (routes) => {
        expect(['ok', 'refused']).toContain(outcome(stringify({ routes })));
      }),
      { numRuns: 400 },
    );
  });

  it('any text: never a crash', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void outcome(text)), { numRuns: 300 });
  });
});

describe('matching hostile alerts', () => {
  const config = loadRoutes(
    [
      'default: { chat: "9" }',
      'routes:',
      '  - name: tagged',
      '    chat: "1"',
      '    match: { tags: { region: eu, constructor: x }, level: warning, rule: [A, B] }',
      '    continue: true',
      '  - name: by-project',
      '    chat: "2"',
      '    match: { project: backend, environment: production, resource: [issue, event_alert] }',
    ].join('\n'),
    'hostile.yaml',
  );
  const text = fc.option(fc.oneof(fc.string(), fc.constantFrom('eu', 'x', 'backend', 'production', 'A, B')), { nil: undefined });

  it('random fields and tags: targets are always a non-empty, duplicate-free list', () => {
    fc.assert(
      fc.property(
        text,
        text,
        text,
        fc.constantFrom('issue', 'event_alert', 'legacy', 'comment', '__proto__'),
        fc.constantFrom('fatal', 'error', 'warning', 'info', 'debug', null),
        fc.option(fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('region', 'constructor', '__proto__')), fc.string()), { nil: undefined }),
        (project, environment, rule, resource, level, tags) => {
          const alert: Alert = { kind: 'event', source: 'integration', resource, action: 'x', level: level as Alert['level'], title: 't', fields: [], dedupKey: null, project, environment, rule, tags };
          const targets = matchRoutes(alert, config);
          expect(targets.length).toBeGreaterThan(0);
          expect(new Set(targets.map((t) => t.chatId)).size).toBe(targets.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
