// SENTRY_TG_TEMPLATES outside `serve`: doctor's `templates` check loads the folder (every problem
// with file:line, ok when unset) and knows the routes' template sets; `test-send --dry-run` prints
// what your templates make of the samples, and refuses a broken folder the way `serve` does.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplates } from '../../src/render/templates.js';
import { CHAT_ID, runCli, startHealthy, writeEnv, type Healthy } from './harness.js';

let h: Healthy | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  // The folder a command loaded is the process's; the next test starts from the built-ins.
  loadTemplates(undefined);
});

function put(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const BROKEN = { 'event.html': '{{emoji}} <b>{{title}}</b>\n\nBy {{autor}}\n' };

describe('doctor: the templates check', () => {
  it('ok with the built-in templates when SENTRY_TG_TEMPLATES is not set', async () => {
    h = await startHealthy('plugin');
    const { report } = await h.doctor();
    expect(h.check(report.checks, 'templates')).toMatchObject({ status: 'ok', title: 'Templates', detail: 'the built-in templates (SENTRY_TG_TEMPLATES is not set)' });
  });

  it('a good folder with a set a route names: ok, the sets listed', async () => {
    h = await startHealthy('plugin');
    put(join(h.dir, 'tpl'), { 'event.html': 'OVERRIDE {{title}}', 'compact/event.html': 'COMPACT {{title}}' });
    writeFileSync(join(h.dir, 'routes.yaml'), `routes:\n  - name: web\n    match: { project: web }\n    chat: "${CHAT_ID}"\n    template: compact\n`);
    writeEnv(h.envFile, { ...h.env, SENTRY_TG_TEMPLATES: 'tpl', SENTRY_TG_ROUTES: 'routes.yaml' });
    const { report } = await h.doctor();
    expect(h.check(report.checks, 'templates')).toMatchObject({ status: 'ok', detail: 'tpl: every template checks out; template sets: compact' });
  });

  it('a broken template fails with file:line and the fix; doctor exits 1', async () => {
    h = await startHealthy('plugin');
    put(join(h.dir, 'tpl'), BROKEN);
    writeEnv(h.envFile, { ...h.env, SENTRY_TG_TEMPLATES: 'tpl' });
    const { code, report } = await h.doctor();
    expect(code).toBe(1);
    const check = h.check(report.checks, 'templates');
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(/event\.html:3: unknown variable \{\{autor\}\}/);
    expect(check.fix).toContain('sentry-tg serve');
  });

  it('a route naming a set the folder does not have fails, naming the route', async () => {
    h = await startHealthy('plugin');
    writeFileSync(join(h.dir, 'routes.yaml'), `routes:\n  - name: web\n    match: { project: web }\n    chat: "${CHAT_ID}"\n    template: compact\n`);
    writeEnv(h.envFile, { ...h.env, SENTRY_TG_ROUTES: 'routes.yaml' });
    const { code, report } = await h.doctor();
    expect(code).toBe(1);
    expect(h.check(report.checks, 'templates')).toMatchObject({ status: 'fail', detail: expect.stringContaining('route "web": template set "compact" needs SENTRY_TG_TEMPLATES') });
  });

  it('a folder that is not there fails with what to do', async () => {
    h = await startHealthy('plugin');
    writeEnv(h.envFile, { ...h.env, SENTRY_TG_TEMPLATES: 'no-such-folder' });
    const { report } = await h.doctor();
    expect(h.check(report.checks, 'templates')).toMatchObject({ status: 'fail', fix: expect.stringContaining('SENTRY_TG_TEMPLATES') });
  });
});

describe('test-send --dry-run with SENTRY_TG_TEMPLATES', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const dryRun = (templates: string) => {
    writeFileSync(join(dir, 'empty.env'), '', { mode: 0o600 });
    return runCli(dir, ['--env-file', join(dir, 'empty.env'), 'test-send', '--dry-run'], { SENTRY_TG_TEMPLATES: templates });
  };

  it('prints what your override makes of the sample', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentry-tg-dry-tpl-'));
    put(join(dir, 'tpl'), { 'event.html': 'OVERRIDE {{title}}' });
    const { code, stdout } = await dryRun(join(dir, 'tpl'));
    expect(code).toBe(0);
    expect(stdout).toContain('the message would read:');
    expect(stdout).toContain('OVERRIDE ZeroDivisionError: division by zero');
    expect(stdout).not.toContain('SENTRY ALERT');
  });

  it('a broken folder is refused with file:line, as serve would', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentry-tg-dry-tpl-'));
    put(join(dir, 'tpl'), BROKEN);
    const { code, stdout, stderr } = await dryRun(join(dir, 'tpl'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/event\.html:3: unknown variable \{\{autor\}\}/);
    expect(stdout).not.toContain('the message would read');
  });
});
