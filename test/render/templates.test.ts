// SENTRY_TG_TEMPLATES: user templates override the built-in ones by name, template sets serve
// routes, and a broken file is a start-up error with file:line (every problem at once) that
// leaves the templates in use unchanged. The variables each template may use come from one map,
// which the built-in templates and the README are held to.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/normalise/alert.js';
import { render, renderDigest } from '../../src/render/render.js';
import { renderIssueMessage } from '../../src/render/issue-message.js';
import { OPEN } from '../../src/issue/state.js';
import { checkTemplate } from '../../src/render/template-check.js';
import { TEMPLATE_NAMES, TEMPLATE_VARIABLES, templateVariablesMarkdown } from '../../src/render/template-vars.js';
import { loadTemplates, templateSetNames, TemplatesError, unknownTemplateSets } from '../../src/render/templates.js';

const BUILT_IN = new URL('../../templates/', import.meta.url);
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const ALERT: Alert = {
  kind: 'event', source: 'integration', resource: 'event_alert', action: 'triggered', level: 'error',
  title: 'KeyError: user <script>', project: 'web', environment: 'production', issueId: '42',
  url: 'https://sentry.io/organizations/acme/issues/42/', fields: [{ label: 'Keys', value: 'a' }], dedupKey: null,
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sentry-tg-templates-'));
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

function loadError(): TemplatesError {
  try {
    loadTemplates(dir);
  } catch (err) {
    if (err instanceof TemplatesError) return err;
    throw err;
  }
  throw new Error('loadTemplates accepted a broken folder');
}

describe('the documented variables', () => {
  it('every built-in template, en and ru, passes the start-up check (documented variables only, HTML Telegram takes)', () => {
    for (const name of TEMPLATE_NAMES) {
      for (const file of [`${name}.html`, `ru/${name}.html`]) {
        expect(checkTemplate(readFileSync(new URL(file, BUILT_IN), 'utf8'), file, name), file).toEqual([]);
      }
    }
    // …and nothing else sits in the built-in folders.
    expect(readdirSync(BUILT_IN).filter((f) => f !== 'ru').sort()).toEqual(TEMPLATE_NAMES.map((n) => `${n}.html`).sort());
  });

  it('the README carries the tables generated from TEMPLATE_VARIABLES, with every variable of every kind', () => {
    expect(readme).toContain(templateVariablesMarkdown());
    for (const name of TEMPLATE_NAMES) {
      for (const key of Object.keys(TEMPLATE_VARIABLES[name])) expect(readme).toContain(`| \`${key}\` |`);
    }
  });

  it('a variable outside its kind, or outside its section, is refused by name', () => {
    // `assignee` is an issue variable, not an installation one; `label` lives in {{#fields}}.
    expect(checkTemplate('🔌 {{title}}\n{{assignee}}', 'installation.html', 'installation')).toEqual([
      expect.stringMatching(/^installation\.html:2: unknown variable \{\{assignee\}\}; installation\.html may use: .*actor/),
    ]);
    expect(checkTemplate('{{title}}\n\n{{label}}', 'event.html', 'event')).toEqual([
      'event.html:3: unknown variable {{label}}: it is defined only inside {{#fields}}…{{/fields}}',
    ]);
    expect(checkTemplate('{{#repeat}}{{count}}{{/repeat}} {{repeat.count}}', 'event.html', 'event')[0]).toMatch(/no dotted names/);
    expect(checkTemplate('{{#fields}}{{label}}: {{value}} ({{project}})\n{{/fields}}', 'event.html', 'event')).toEqual([]);
  });
});

describe('the digest', () => {
  it('says "and N more" only when some did not fit, and marks a cut title with …', () => {
    const all = renderDigest([{ level: 'error', title: 'a' }, { level: 'fatal', title: 'b'.repeat(300) }], 30);
    expect(all.html).not.toContain('more');
    expect(all.html).toContain(`🔥 ${'b'.repeat(199)}…`);
    expect(renderDigest([{ level: 'error', title: 'a' }, { level: 'error', title: 'b' }], 1).html).toContain('…and 1 more: see Sentry.');
  });
});

describe('SENTRY_TG_TEMPLATES overrides', () => {
  it('a user template replaces the built-in one of its name and language only; values stay escaped', () => {
    put({ 'event.html': '{{emoji}} <b>PROD</b> {{title}} · {{project}}\n{{#url}}<a href="{{url}}">go</a>{{/url}}' });
    loadTemplates(dir);
    expect(render(ALERT).html).toBe('❌ <b>PROD</b> KeyError: user &lt;script&gt; · web\n<a href="https://sentry.io/organizations/acme/issues/42/">go</a>');
    // No ru/event.html: Russian keeps the built-in Russian template, never the English override.
    expect(render(ALERT, {}, 'ru').html).toContain('АЛЕРТ SENTRY');
    // Other kinds keep theirs.
    expect(renderDigest([{ level: 'error', title: 'x' }]).html).toContain('SENTRY DIGEST');
  });

  it('ru/<name>.html overrides the Russian template', () => {
    put({ 'ru/issue.html': '{{emoji}} <b>Задача</b> {{title}}\n{{#status}}\n{{status}}\n{{/status}}' });
    loadTemplates(dir);
    const issue: Alert = { ...ALERT, kind: 'issue', resource: 'issue', action: 'created' };
    const view = { body: issue, state: { ...OPEN, line: '✅ Решено · 14:02 UTC' }, count: 1, firstSeen: 0, lastSeen: 0 };
    expect(renderIssueMessage(view, undefined, 'ru').html).toBe('❌ <b>Задача</b> KeyError: user &lt;script&gt;\n✅ Решено · 14:02 UTC');
    expect(render(issue).html).toContain('SENTRY ISSUE');
  });

  it('a template set serves the route that names it; a name it lacks falls back to the override, then the built-in', () => {
    put({
      'event.html': 'OVERRIDE {{title}}',
      'compact/event.html': 'COMPACT {{title}}',
      'compact/ru/event.html': 'КОМПАКТ {{title}}',
      'compact/metric.html': 'COMPACT METRIC {{title}}',
    });
    loadTemplates(dir);
    expect(templateSetNames()).toEqual(['compact']);
    expect(render(ALERT, {}, 'en', 'compact').html).toBe('COMPACT KeyError: user &lt;script&gt;');
    expect(render(ALERT, {}, 'ru', 'compact').html).toBe('КОМПАКТ KeyError: user &lt;script&gt;');
    expect(render(ALERT).html).toBe('OVERRIDE KeyError: user &lt;script&gt;');
    // compact/ has no issue.html and the folder no override: the built-in.
    expect(render({ ...ALERT, kind: 'issue', action: 'created' }, {}, 'en', 'compact').html).toContain('SENTRY ISSUE');
    expect(renderDigest([{ level: 'error', title: 'x' }], 30, 'en', 'compact').html).toContain('SENTRY DIGEST');
    expect(unknownTemplateSets([{ where: 'routes.yaml:4: route "ops"', set: 'compcat' }, { where: 'x', set: 'compact' }])).toEqual([
      'routes.yaml:4: route "ops": template set "compcat" is not a folder in ' + dir + ' (did you mean compact?)',
    ]);
  });

  it('without a folder a route naming a set is an error too', () => {
    loadTemplates();
    expect(unknownTemplateSets([{ where: 'r:2: route "a"', set: 'compact' }])[0]).toMatch(/needs SENTRY_TG_TEMPLATES/);
  });
});

describe('a broken folder is a start-up error with file:line', () => {
  it('unknown variable, unclosed section, a tag Telegram refuses, a typo in a file name: all reported at once', () => {
    put({
      'event.html': '{{emoji}} <b>{{title}}</b>\n\nBy {{autor}}\n',
      'issue.html': '{{title}}\n{{#shortId}}\n🆔 {{shortId}}\n\n{{url}}\n',
      'metric.html': '{{title}}\n<div>{{text}}</div>\n',
      'ru/comment.html': '{{title}}\n{{#project}}<b>{{project}}{{/project}}</b>\n',
      'seer.html': '{{title}} {{#plainUrl}}<a href="{{plainUrl}}">x</a>{{/plainUrl}}\n',
      'digest.html': '{{total}} > {{more}}\n',
      'evnt.html': '{{title}}',
      'compact/rus/event.html': '{{title}}',
    });
    const err = loadError();
    const problems = err.problems.map((p) => p.replace(dir, '<dir>'));
    expect(problems).toEqual(expect.arrayContaining([
      `<dir>/event.html:3: unknown variable {{autor}}; event.html may use: ${Object.keys(TEMPLATE_VARIABLES.event).join(', ')} (see the README, "Templates")`,
      '<dir>/issue.html:2: {{#shortId}} is never closed',
      expect.stringMatching(/^<dir>\/metric\.html:2: Telegram would refuse this HTML: Unsupported start tag "div" \(Telegram allows: a, b, /),
      expect.stringMatching(/^<dir>\/ru\/comment\.html:2: Telegram would refuse this HTML: Can't find end tag corresponding to start tag "b" \(a tag opened in \{\{#project\}\} must close/),
      expect.stringMatching(/^<dir>\/seer\.html:1: Telegram would refuse this HTML: Invalid URL "http:\/\/localhost:9000\/issues\/1\/" in tag "a"/),
      expect.stringMatching(/^<dir>\/digest\.html:1: Telegram would refuse this HTML: Unescaped ">" \(write &lt; &gt; &amp;/),
      // …and the </b> left outside it has nothing to close.
      '<dir>/ru/comment.html:2: Telegram would refuse this HTML: Unexpected end tag',
      '<dir>/evnt.html: not a template name (did you mean event.html?)',
      '<dir>/compact/rus/: not a folder sentry-tg reads (did you mean ru?)',
    ]));
    expect(problems, problems.join('\n')).toHaveLength(9);
    expect(err.message).toContain('has 9 problems');
  });

  it("a list that could make more formatting tags than Telegram's 100 in one message", () => {
    const digest = '<b>{{total}}</b>\n{{#lines}}\n<b>{{emoji}}</b> <i>{{title}}</i> <u>x</u> <s>y</s>\n{{/lines}}\n';
    expect(checkTemplate(digest, 'digest.html', 'digest')).toEqual([
      "digest.html:1: can make up to 121 formatting tags in one message (lists at their longest); Telegram honours 100: use fewer tags inside {{#fields}} / {{#lines}}",
    ]);
    expect(checkTemplate(digest.replace(' <s>y</s>', ''), 'digest.html', 'digest')).toEqual([]);
  });

  it('the line is the offending tag even after optional lines are folded away', () => {
    const src = 'A\n{{#project}}\n  {{project}}\n{{/project}}\n{{#environment}}\n<i>{{environment}}\n{{/environment}}\n';
    expect(checkTemplate(src, 'event.html', 'event')).toEqual([
      expect.stringMatching(/^event\.html:6: Telegram would refuse this HTML: Can't find end tag corresponding to start tag "i"/),
    ]);
    expect(checkTemplate('a\nb\n{{/url}}', 'event.html', 'event')).toEqual(['event.html:3: unexpected {{/url}}: no section is open']);
    expect(checkTemplate('{{#url}}\nx\n{{/fields}}', 'event.html', 'event')).toEqual(['event.html:3: unexpected {{/fields}}: {{#url}} is open here']);
    expect(checkTemplate('x\n<b>{{title}</b>', 'event.html', 'event')[0]).toMatch(/^event\.html:2: /);
  });

  it('a failed load changes nothing: the templates in use stay in use', () => {
    put({ 'event.html': 'GOOD {{title}}' });
    loadTemplates(dir);
    writeFileSync(join(dir, 'event.html'), 'BAD {{nope}}');
    loadError();
    expect(render(ALERT).html).toBe('GOOD KeyError: user &lt;script&gt;');
  });

  it('a folder that does not exist is a clear error', () => {
    expect(() => loadTemplates(join(dir, 'missing'))).toThrow(/SENTRY_TG_TEMPLATES: .*missing is not a folder/);
  });
});
