// `sentry-tg preview`: what each kind of message looks like, rendered from the sample alerts
// (the ones test-send uses) with the templates the receiver would use — built-in, the
// SENTRY_TG_TEMPLATES overrides, a route's template set — in a language. Sends nothing and
// needs no token.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context } from '../context/context.js';
import type { Loaded } from '../config/load.js';
import { UserError } from '../errors.js';
import type { Locale } from '../i18n/index.js';
import { isLocale } from '../i18n/locale.js';
import { applyChange, OPEN } from '../issue/state.js';
import type { Alert } from '../normalise/alert.js';
import { normalise } from '../normalise/normalise.js';
import { renderIssueMessage } from '../render/issue-message.js';
import { actionKeyboard } from '../render/keyboard.js';
import { render, renderDigest, type Rendered } from '../render/render.js';
import { TEMPLATE_NAMES, type TemplateName } from '../render/template-vars.js';
import { loadTemplates, unknownTemplateSets, type TemplateRegistry } from '../render/templates.js';
import { loadRoutes } from '../route/routes-file.js';
import { samplePayload, type SampleKind } from './samples.js';

export interface PreviewFlags {
  kind?: string;
  route?: string;
}

export interface PreviewMessage {
  /** The template kind it shows. */
  kind: TemplateName;
  /** What it is, e.g. `event (error), seen 3 times, resolved`. */
  label: string;
  rendered: Rendered;
}

// Fixed time and ids: the preview reads the same on every run.
const AT = Date.UTC(2025, 4, 20, 14, 2, 0);
const NONCE = '0123456789abcdef';
const KEY = 'previewKey';

function sample(kind: SampleKind): Alert {
  const s = samplePayload(kind, { now: AT, nonce: NONCE });
  return normalise({ resource: s.resource, body: s.body });
}

/** There is no installation sample to send (Sentry sends it once); this is its shape. */
function installationAlert(): Alert {
  return normalise({
    resource: 'installation',
    body: {
      action: 'created',
      installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9' },
      data: { installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9', app: { slug: 'sentry-tg' }, organization: { slug: 'acme' } } },
      actor: { type: 'user', id: 1, name: 'Sample User' },
    },
  });
}

/** Every message of `kinds`, as the receiver would render it in `locale` with template set `set`. */
export function previewMessages(kinds: readonly TemplateName[], locale: Locale, set?: string): PreviewMessage[] {
  const out: PreviewMessage[] = [];
  const one = (kind: TemplateName, label: string, alert: Alert) => out.push({ kind, label, rendered: render(alert, {}, locale, set) });
  for (const kind of kinds) {
    switch (kind) {
      case 'event': {
        const alert = sample('error');
        one('event', 'event (error), first message of an issue', alert);
        // The same issue's message later: a repeat counter, a status line, the action buttons.
        const resolvedBy = sample('issue-resolved');
        const { state } = applyChange(OPEN, { kind: 'resolved', receivedAt: AT + 120_000, alert: () => resolvedBy }, locale);
        const view = { body: alert, state, count: 3, firstSeen: AT, lastSeen: AT + 60_000 };
        out.push({
          kind: 'event',
          label: 'event (error), seen 3 times, then resolved: one message per issue with its buttons',
          rendered: renderIssueMessage(view, actionKeyboard(state.status, KEY, alert.url, 'main', locale), locale, set),
        });
        break;
      }
      case 'issue':
        one('issue', 'issue (created)', sample('issue-created'));
        one('issue', 'issue (assigned)', sample('issue-assigned'));
        break;
      case 'metric':
        one('metric', 'metric (critical)', sample('metric-critical'));
        one('metric', 'metric (resolved)', sample('metric-resolved'));
        break;
      case 'comment':
      case 'seer':
      case 'unknown':
        one(kind, kind, sample(kind));
        break;
      case 'installation':
        one('installation', 'installation (created)', installationAlert());
        break;
      case 'digest': {
        const lines = (['fatal', 'error', 'warning'] as const).map((k) => {
          const a = sample(k);
          return { level: a.level, title: a.title, ...(a.url ? { url: a.url } : {}) };
        });
        out.push({ kind: 'digest', label: 'digest (alerts held back by a chat\'s rate limit)', rendered: renderDigest(lines, 30, locale, set) });
        break;
      }
    }
  }
  return out;
}

function kindsOf(raw: string | undefined): TemplateName[] {
  if (raw === undefined) return [...TEMPLATE_NAMES];
  const kind = raw.trim().toLowerCase();
  if (!(TEMPLATE_NAMES as readonly string[]).includes(kind)) {
    throw new UserError(`Unknown kind "${raw}".`, `Choose one of: ${TEMPLATE_NAMES.join(', ')} (or leave out --kind for all).`);
  }
  return [kind as TemplateName];
}

/** Locale and template set of route NAME in the routes file. */
function routeChoice(ctx: Context, name: string, reg: TemplateRegistry): { locale?: Locale; set?: string } {
  const configured = ctx.env['SENTRY_TG_ROUTES'];
  const file = configured && configured.trim() !== '' ? configured : 'sentry-tg.routes.yaml';
  let text: string;
  try {
    text = readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (err) {
    throw new UserError(
      `--route ${name}: cannot read the routes file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
      'Set SENTRY_TG_ROUTES to your routes file, or run preview from the folder that has sentry-tg.routes.yaml.',
    );
  }
  const config = loadRoutes(text, file);
  const names = [...config.routes.map((r) => r.name), ...(config.default ? ['default'] : [])];
  const route = config.routes.find((r) => r.name === name) ?? (name === 'default' ? config.default : undefined);
  if (!route) throw new UserError(`No route named "${name}" in ${file}.`, `Routes: ${names.join(', ') || '(none)'}.`);
  if (route.template !== undefined) {
    const problems = unknownTemplateSets([{ where: `${file}: route "${name}"`, set: route.template }], reg);
    if (problems.length) throw new UserError(problems[0]!, 'Create that folder of templates, or fix `template:` in the route.');
  }
  return { ...(route.locale ? { locale: route.locale } : {}), ...(route.template ? { set: route.template } : {}) };
}

export async function previewCommand(ctx: Context, loaded: Loaded, flags: PreviewFlags): Promise<number> {
  const kinds = kindsOf(flags.kind);
  const reg = loadTemplates(loaded.settings.templates);
  const fromRoute = flags.route !== undefined ? routeChoice(ctx, flags.route, reg) : {};
  // An explicit --locale beats the route's, which beats SENTRY_TG_LOCALE / LANG.
  const locale: Locale = loaded.sources.locale === 'flag' ? loaded.settings.locale : (fromRoute.locale ?? loaded.settings.locale);
  if (!isLocale(locale)) throw new UserError(`Unknown locale "${String(locale)}".`);
  const set = fromRoute.set;
  const tty = Boolean((ctx.stdout as { isTTY?: boolean }).isTTY);
  for (const [i, m] of previewMessages(kinds, locale, set).entries()) {
    if (i > 0) ctx.out.plain('');
    const file = reg.fileFor(m.kind, locale, set);
    const from = reg.dir !== undefined && file.startsWith(reg.dir) ? file : 'built-in';
    ctx.out.info(`── ${m.label} · ${locale}${set ? ` · set ${set}` : ''} · template: ${from}`);
    ctx.out.plain(m.rendered.html);
    for (const row of m.rendered.buttons) ctx.out.plain(row.map((b) => `[ ${b.text} ]`).join(' '));
    if (tty) {
      ctx.out.plain('');
      ctx.out.plain('As text:');
      ctx.out.plain(m.rendered.plain);
    }
  }
  return 0;
}
