// Issue 10, point 1: an internal integration's `issue` webhooks are org-wide. A receiver set up
// for acme/backend must acknowledge a new acme/mobile issue, count it, and post nothing.
import { sqliteOf } from '../helpers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { inScope, scopeProjects } from '../../src/route/scope.js';
import { CHAT_ID, ORG, PROJECT, startHealthy, type Healthy } from '../doctor/harness.js';

let h: Healthy | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function health(h: Healthy): Promise<Record<string, unknown>> {
  const res = await fetch(`${h.receiver.localUrl}/health`);
  return (await res.json()) as Record<string, unknown>;
}

describe('project scope', () => {
  it('reads SENTRY_PROJECT as a comma-separated list; empty means every project', () => {
    expect(scopeProjects('backend, API ,,web')).toEqual(['backend', 'api', 'web']);
    expect(scopeProjects(undefined)).toEqual([]);
    expect(inScope({ project: 'mobile' }, ['backend'])).toBe(false);
    expect(inScope({ project: 'Backend' }, ['backend'])).toBe(true);
    expect(inScope({ project: 'mobile' }, [])).toBe(true);
    // Nothing to tell it by (installation, some metric alerts): posted rather than lost.
    expect(inScope({}, ['backend'])).toBe(true);
  });

  it('an org-wide issue webhook for another project is acknowledged, counted in /health and not posted', async () => {
    h = await startHealthy('integration', { scope: PROJECT });
    h.sentry.addProject(ORG, 'mobile');
    const [other] = await h.sentry.newIssue(ORG, { id: '501', project: 'mobile', title: 'TypeError: mobile broke' });
    expect(other!.status).toBe(200);
    const [ours] = await h.sentry.newIssue(ORG, { id: '502', project: PROJECT, title: 'TypeError: backend broke' });
    expect(ours!.status).toBe(202);

    const posted = await h.tg.waitFor((tg) => tg.messagesIn(CHAT_ID)[0]);
    expect(posted.text).toContain('backend broke');
    const body = await health(h);
    expect(body.outOfScope).toBe(1);
    expect(body.projects).toEqual([PROJECT]);
    // The mobile issue came first and was never stored: the backend one is the only message.
    expect(h.tg.messagesIn(CHAT_ID)).toHaveLength(1);
    expect(sqliteOf(h.receiver.store).stats().pending).toBe(0);
  });

  it('without SENTRY_PROJECT every project is posted, and doctor says so loudly', async () => {
    h = await startHealthy('integration');
    h.sentry.addProject(ORG, 'mobile');
    await h.sentry.newIssue(ORG, { id: '503', project: 'mobile', title: 'TypeError: mobile broke' });
    const posted = await h.tg.waitFor((tg) => tg.messagesIn(CHAT_ID)[0]);
    expect(posted.text).toContain('mobile broke');
    expect((await health(h)).projects).toBe('all');
  });

  it('doctor warns when SENTRY_PROJECT is empty and names the projects otherwise', async () => {
    h = await startHealthy('integration');
    const scoped = await h.doctor();
    expect(h.check(scoped.report.checks, 'project-scope')).toMatchObject({ status: 'ok', detail: `alerts are posted only for project ${PROJECT}` });
    const unscoped = await h.doctor(['--project', '']);
    expect(h.check(unscoped.report.checks, 'project-scope')).toMatchObject({ status: 'warn' });
    expect(h.check(unscoped.report.checks, 'project-scope').detail).toMatch(/EVERY project/);
  });
});
