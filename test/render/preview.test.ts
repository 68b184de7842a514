// `sentry-tg preview` through the real CLI entry: every kind in en and ru from the samples, the
// template file each came from, a route's locale and template set, clear errors for an unknown
// kind or route; and `serve` refusing to start on a broken templates folder, with file:line,
// before it opens anything.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, COMMANDS } from '../../src/cli/main.js';
import type { Context } from '../../src/context/context.js';
import { runProgram } from '../../src/context/exec.js';
import { createOutput } from '../../src/context/output.js';
import { TEMPLATE_NAMES } from '../../src/render/template-vars.js';
import { loadTemplates } from '../../src/render/templates.js';
import { FAKE_TOKEN } from '../fakes/telegram.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sentry-tg-preview-'));
});
afterEach(() => {
  loadTemplates();
  rmSync(dir, { recursive: true, force: true });
});

function put(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = new Writable({ write: (c, _e, d) => ((out += String(c)), d()) });
  const stderr = new Writable({ write: (c, _e, d) => ((err += String(c)), d()) });
  const fullEnv = { NO_COLOR: '1', LANG: 'C', ...env };
  const ctx = {
    argv: [], env: fullEnv, cwd: dir, stdout, stderr, interactive: false,
    out: createOutput(stdout, stderr, fullEnv),
    prompts: {} as Context['prompts'], fetch: () => Promise.reject(new Error('preview must not use the network')), now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), random: Math.random, exec: runProgram,
    openTunnel: async () => { throw new Error('no tunnel in tests'); },
    untilSignal: () => new Promise<string>(() => undefined),
  } satisfies Context;
  // An empty .env of its own: nothing from the machine's.
  writeFileSync(join(dir, 'empty.env'), '');
  const code = await main(['node', 'sentry-tg', '--env-file', join(dir, 'empty.env'), ...args], ctx, COMMANDS);
  return { code, out, err };
}

const headers = (out: string) => out.split('\n').filter((l) => l.includes('── '));

describe('sentry-tg preview', () => {
  it('prints every kind in English from the samples, with no token and no network', async () => {
    const { code, out } = await run(['preview', '--locale', 'en']);
    expect(code).toBe(0);
    const hs = headers(out);
    for (const kind of TEMPLATE_NAMES) expect(hs.some((h) => h.includes(`── ${kind}`)), kind).toBe(true);
    expect(hs.every((h) => h.endsWith('· en · template: built-in'))).toBe(true);
    expect(out).toContain('❌ <b>SENTRY ALERT</b>');
    expect(out).toContain('<b>SENTRY ISSUE CREATED</b>');
    expect(out).toContain('<b>METRIC ALERT CRITICAL</b>');
    expect(out).toContain('🤖 <b>SEER: ');
    expect(out).toContain('🔌 <b>Sentry integration installed</b>');
    expect(out).toContain('📨 <b>SENTRY WEBHOOK</b>');
    expect(out).toMatch(/📚 <b>SENTRY DIGEST<\/b> · 3 alerts/);
    expect(out).toContain('🔁 Seen 3 times here');
    expect(out).toContain('[ Unresolve ] [ Open in Sentry ]');
  });

  it('prints every kind in Russian', async () => {
    const { code, out } = await run(['preview', '--locale', 'ru']);
    expect(code).toBe(0);
    // event ×2, issue ×2, metric ×2, comment, seer, installation, unknown, digest.
    expect(headers(out)).toHaveLength(11);
    expect(out).toContain('❌ <b>АЛЕРТ SENTRY</b>');
    expect(out).toContain('<b>ПРОБЛЕМА SENTRY: НОВАЯ</b>');
    expect(out).toContain('<b>АЛЕРТ ПО МЕТРИКЕ: ');
    expect(out).toContain('📨 <b>ВЕБХУК SENTRY</b>');
    expect(out).toMatch(/📚 <b>СВОДКА SENTRY<\/b> · 3 алерта/);
    expect(out).toContain('🔁 Повторилось 3 раза');
    expect(out).not.toMatch(/View in Sentry|SENTRY ALERT/);
  });

  it('--kind shows one kind; an unknown kind is an error listing the kinds', async () => {
    const one = await run(['preview', '--kind', 'metric', '--locale', 'en']);
    expect(headers(one.out).map((h) => h.replace(/^\S+ /, ''))).toEqual([
      '── metric (critical) · en · template: built-in',
      '── metric (resolved) · en · template: built-in',
    ]);
    const bad = await run(['preview', '--kind', 'evnt']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('Unknown kind "evnt".');
    expect(bad.err).toContain(`Choose one of: ${TEMPLATE_NAMES.join(', ')}`);
  });

  it('--templates shows the override and names its file', async () => {
    put({ 'tpl/event.html': '{{emoji}} <b>PROD</b> {{title}}' });
    const { code, out } = await run(['preview', '--kind', 'event', '--locale', 'en', '--templates', join(dir, 'tpl')]);
    expect(code).toBe(0);
    expect(out).toContain('❌ <b>PROD</b> ZeroDivisionError');
    expect(headers(out)[0]).toContain(`template: ${join(dir, 'tpl', 'event.html')}`);
  });

  it("--route takes the route's locale and template set; an unknown route lists the routes", async () => {
    put({
      'tpl/compact/ru/issue.html': '{{emoji}} <b>КОРОТКО</b> {{title}}',
      'sentry-tg.routes.yaml': 'routes:\n  - name: backend-team\n    match: { project: backend }\n    chat: "-1002222222222"\n    locale: ru\n    template: compact\n  - name: ops\n    chat: "-1003333333333"\n',
    });
    const { code, out } = await run(['preview', '--kind', 'issue', '--route', 'backend-team'], { SENTRY_TG_TEMPLATES: join(dir, 'tpl') });
    expect(code).toBe(0);
    expect(out).toContain('<b>КОРОТКО</b> ');
    expect(headers(out)[0]).toContain('· ru · set compact · template: ');
    const bad = await run(['preview', '--route', 'backnd'], { SENTRY_TG_TEMPLATES: join(dir, 'tpl') });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('No route named "backnd" in sentry-tg.routes.yaml.');
    expect(bad.err).toContain('Routes: backend-team, ops.');
  });

  it('a route naming a set the folder lacks is an error', async () => {
    put({ 'tpl/other/event.html': '{{title}}', 'r.yaml': 'routes:\n  - name: a\n    chat: "-1002222222222"\n    template: compact\n' });
    const bad = await run(['preview', '--route', 'a', '--templates', join(dir, 'tpl')], { SENTRY_TG_ROUTES: 'r.yaml' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('r.yaml: route "a": template set "compact" is not a folder in');
  });
});

describe('serve with a broken templates folder', () => {
  it('refuses to start, naming file:line of every problem, before it opens the database', async () => {
    put({ 'tpl/event.html': '{{title}}\n<p>{{nope}}</p>\n', 'tpl/ru/digest.html': '{{#lines}}\n{{title}}\n' });
    const data = join(dir, 'data');
    const { code, err } = await run(['serve', '--templates', join(dir, 'tpl'), '--telegram-token', FAKE_TOKEN, '--chat-id', '-1001230000123', '--data-dir', data]);
    expect(code).toBe(2);
    expect(err).toContain(`${join(dir, 'tpl')}/event.html:2: unknown variable {{nope}}`);
    expect(err).toContain(`${join(dir, 'tpl')}/event.html:2: Telegram would refuse this HTML: Unsupported start tag "p"`);
    expect(err).toContain(`${join(dir, 'tpl')}/ru/digest.html:1: {{#lines}} is never closed`);
    expect(err).not.toContain(FAKE_TOKEN);
    expect(existsSync(data)).toBe(false);
  });
});
