// Which routes doctor calls unreachable: each reason, and the near misses that must not warn.
import { describe, expect, it } from 'vitest';
import { covers, unreachableRoutes } from '../../src/route/reach.js';
import { loadRoutes } from '../../src/route/routes-file.js';

const NONE = { scope: [], subscribed: null };

function routes(...items: string[]): string {
  return `routes:\n${items.map((m, i) => `  - name: r${i}\n    chat: "-100${i + 1}"\n    ${m}`).join('\n')}\n`;
}
function reach(text: string, input: { scope: string[]; subscribed: string[] | null } = NONE) {
  return unreachableRoutes(loadRoutes(text, 'routes.yaml'), input);
}

describe('shadowed routes', () => {
  it('an identical match below a route without continue never matches', () => {
    expect(reach(routes('match: {project: backend}', 'match: {project: backend}'))).toEqual([
      { kind: 'shadowed', index: 1, route: 'r1', by: 'r0', byIndex: 0 },
    ]);
  });

  it('an earlier empty match shadows everything below it', () => {
    const found = reach(routes('match: {}', 'match: {project: a}', 'match: {level: fatal}'));
    expect(found.map((f) => [f.kind, f.route, 'by' in f ? f.by : ''])).toEqual([
      ['shadowed', 'r1', 'r0'],
      ['shadowed', 'r2', 'r0'],
    ]);
  });

  it('narrower conditions below a wider route never match', () => {
    const found = reach(
      routes(
        'match: {project: [a, b], level: warning}',
        // Narrower on every key the first has, plus an extra condition.
        'match: {project: a, level: {exactly: [error, fatal]}, environment: prod, tags: {region: eu}}',
      ),
    );
    expect(found).toEqual([{ kind: 'shadowed', index: 1, route: 'r1', by: 'r0', byIndex: 0 }]);
  });

  it('tags: a route asking for a subset of the same tag values is shadowed', () => {
    expect(reach(routes('match: {tags: {region: [eu, us]}}', 'match: {tags: {region: eu, tier: paid}}'))).toHaveLength(1);
  });

  it('a wider or overlapping route below is reachable', () => {
    expect(reach(routes('match: {project: a}', 'match: {project: [a, b]}'))).toEqual([]);
    expect(reach(routes('match: {level: error}', 'match: {level: warning}'))).toEqual([]);
    expect(reach(routes('match: {level: error}', 'match: {project: a}'))).toEqual([]);
    expect(reach(routes('match: {tags: {region: eu}}', 'match: {tags: {tier: paid}}'))).toEqual([]);
    expect(reach(routes('match: {level: {exactly: warning}}', 'match: {level: error}'))).toEqual([]);
  });

  it('an earlier route with continue shadows nothing', () => {
    expect(reach(routes('match: {project: a}\n    continue: true', 'match: {project: a}'))).toEqual([]);
  });

  it('covers: at least error covers exactly fatal, not exactly warning', () => {
    expect(covers({ level: { atLeast: 'error' } }, { level: { exactly: ['fatal'] } })).toBe(true);
    expect(covers({ level: { atLeast: 'error' } }, { level: { exactly: ['warning'] } })).toBe(false);
    expect(covers({ level: { exactly: ['fatal', 'error'] } }, { level: { atLeast: 'error' } })).toBe(true);
  });
});

describe('projects outside SENTRY_PROJECT', () => {
  it('a route for a project the receiver drops never matches; a partly outside one is named too', () => {
    const text = routes('match: {project: web}', 'match: {project: [Backend, mobile]}', 'match: {project: backend}');
    expect(reach(text, { scope: ['backend'], subscribed: null })).toEqual([
      { kind: 'out-of-scope', index: 0, route: 'r0', projects: ['web'], all: true },
      { kind: 'out-of-scope', index: 1, route: 'r1', projects: ['mobile'], all: false },
    ]);
  });

  it('an empty scope posts every project, so nothing is out of it', () => {
    expect(reach(routes('match: {project: web}'), NONE)).toEqual([]);
  });
});

describe('resources the integration does not subscribe to', () => {
  it('names the missing subscription; alert-rule resources need none', () => {
    const text = routes('match: {resource: comment}', 'match: {resource: [issue, event_alert]}', 'match: {resource: metric_alert}');
    expect(reach(text, { scope: [], subscribed: ['error'] })).toEqual([
      { kind: 'not-subscribed', index: 0, route: 'r0', resources: ['comment'], all: true },
      { kind: 'not-subscribed', index: 1, route: 'r1', resources: ['issue'], all: false },
    ]);
  });

  it('unknown subscriptions (the plugin, no Sentry token) say nothing', () => {
    expect(reach(routes('match: {resource: comment}'), NONE)).toEqual([]);
  });
});
