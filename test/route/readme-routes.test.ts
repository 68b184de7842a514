// The README's routes examples are real routes files: each one loads without a problem, and
// the three-team example sends alerts where its text says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/normalise/alert.js';
import { matchRoutes } from '../../src/route/match.js';
import { loadRoutes } from '../../src/route/routes-file.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Routes\n'), readme.indexOf('## Metrics\n'));
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

function alert(project: string, level: Alert['level'], environment = 'production'): Alert {
  return { project, level, environment, resource: 'event_alert' } as Alert;
}

describe('README routes examples', () => {
  it('has the shape and the three-team example, and both load without warnings', () => {
    expect(blocks).toHaveLength(2);
    for (const text of blocks) expect(loadRoutes(text, 'README.md').warnings).toEqual([]);
  });

  it('the three-team example routes as described', () => {
    const config = loadRoutes(blocks[1]!, 'sentry-tg.routes.yaml');
    const names = (a: Alert) => matchRoutes(a, config).map((t) => t.routeName);
    expect(names(alert('api', 'fatal'))).toEqual(['ops-fatal-copy', 'backend']);
    expect(names(alert('api', 'warning'))).toEqual(['default']);
    expect(names(alert('ios', 'error'))).toEqual(['default']);
    expect(names(alert('android', 'fatal'))).toEqual(['ops-fatal-copy', 'mobile']);
    expect(matchRoutes(alert('web', 'info', 'staging'), config)).toMatchObject([{ routeName: 'frontend', topicId: 7, locale: 'en' }]);
  });
});
