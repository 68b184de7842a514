// `sentry-tg setup --route`: a route for another project, reusing what `setup` registered (the
// bot token, the Sentry token, org and mode from the env file). Asks the project (Sentry's
// list), the chat (chat discovery, as setup), an optional topic (forums) and the locale; then
// appends the route to the routes file with the `yaml` Document API, so the user's comments and
// order stay (a missing file is created with the current chat as `default:`), adds the project
// to SENTRY_PROJECT when a scope is set, and makes sure the new project has the alert rule that
// sends to sentry-tg (an internal integration is org-wide: no new integration is needed).
// Flags for batch runs are setup's own: --project, --chat-id, --topic-id, --locale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Document, isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';
import type { Loaded } from '../../config/load.js';
import { readEnvFile } from '../../config/load.js';
import { writeEnvFile } from '../../config/env-file.js';
import { OPTIONS } from '../../config/options.js';
import { CancelledError, UserError } from '../../errors.js';
import { cliText, type CliText } from '../../i18n/cli.js';
import type { Locale } from '../../i18n/locale.js';
import { registerSecret } from '../../log/redact.js';
import { pluginCallbackUrl } from '../../receive/verify.js';
import { loadRoutes, routesFilePath } from '../../route/routes-file.js';
import { scopeProjects } from '../../route/scope.js';
import { createSentryApi, SentryApiError, type SentryApi } from '../../sentry/api.js';
import { askChat } from './chat.js';
import { ensureRule, registerPlugin } from './register.js';
import { createSession, keep, type Session, type SetupContext } from './session.js';
import { printChanges, serveCommand } from './summary.js';
import { askBot } from './telegram.js';

export interface NewRoute {
  name: string;
  project: string;
  chatId: string;
  topicId?: number;
  locale?: Locale;
}

/** `backend`, or `backend-2` when the name is taken. Pure. */
export function freeName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

function routeNode(doc: Document.Parsed | Document, r: NewRoute): unknown {
  return doc.createNode({
    name: r.name,
    match: { project: r.project },
    chat: r.chatId,
    ...(r.topicId !== undefined ? { topic: r.topicId } : {}),
    ...(r.locale !== undefined ? { locale: r.locale } : {}),
  });
}

/**
 * The routes file's new text with the route appended (comments and order kept), or a new file
 * with `default:` the current chat. Pure; the result is checked by the caller with loadRoutes.
 */
export function appendRoute(existing: string | null, r: NewRoute, defaultChat: { chatId: string; topicId?: number } | undefined): string {
  if (existing === null || existing.trim() === '') {
    const doc = new Document({
      ...(defaultChat !== undefined ? { default: { chat: defaultChat.chatId, ...(defaultChat.topicId !== undefined ? { topic: defaultChat.topicId } : {}) } } : {}),
      routes: [],
    });
    doc.commentBefore = ' sentry-tg routes: first match wins, `continue: true` goes on to later routes (see the README, "Routes").';
    const routes = doc.get('routes', true) as YAMLSeq;
    routes.flow = false;
    routes.items.push(routeNode(doc, r));
    return doc.toString();
  }
  const doc = parseDocument(existing);
  if (!isMap(doc.contents)) throw new Error('the routes file is not a mapping');
  const routes = doc.contents.get('routes', true);
  if (isSeq(routes)) {
    // A flow sequence (`routes: []`) would put the new route on one line: make it a block.
    routes.flow = false;
    routes.items.push(routeNode(doc, r));
  } else {
    const seq = new YAMLSeq();
    seq.items.push(routeNode(doc, r));
    doc.setIn(['routes'], seq);
  }
  return doc.toString();
}

function needs(t: CliText, file: string, what: string): UserError {
  return new UserError(t('route.needsSetup', { file, what }), t('route.needsSetupFix'));
}

async function askProject(s: Session, t: CliText, api: SentryApi | null, org: string | undefined, routed: readonly string[]): Promise<string> {
  const given = s.sources.sentryProject === 'flag' ? s.settings.sentryProject?.trim() : undefined;
  if (given) {
    if (api && org) {
      await api.getProject(org, given).catch((err: unknown) => {
        if (err instanceof SentryApiError && err.status === 404) throw new UserError(t('route.unknownProject', { project: given, org }), t('route.unknownProjectFix'));
        throw err;
      });
    }
    return given;
  }
  if (!s.interactive) throw new UserError(t('route.noProject'), t('route.noProjectFix'));
  if (api && org) {
    const projects = await api.listProjects(org);
    // Projects that already have a route come last: the new one is usually another project.
    const sorted = [...projects].sort((a, b) => Number(routed.includes(a.slug)) - Number(routed.includes(b.slug)));
    return s.ctx.prompts.select({
      message: t('route.q.project'),
      choices: sorted.map((p) => ({ name: `${p.name} (${p.slug})${p.platform ? ` · ${p.platform}` : ''}`, value: p.slug })),
    });
  }
  return (await s.ctx.prompts.input({ message: t('route.q.project'), validate: (v) => (v.trim() !== '' ? true : '?') })).trim();
}

async function askLocale(s: Session, t: CliText): Promise<Locale | undefined> {
  if (s.sources.locale === 'flag') return s.settings.locale;
  if (!s.interactive) return undefined;
  const picked = await s.ctx.prompts.select<Locale | 'inherit'>({
    message: t('route.q.locale'),
    choices: [
      { name: t('route.q.localeDefault'), value: 'inherit' },
      { name: 'English (en)', value: 'en' },
      { name: 'Русский (ru)', value: 'ru' },
    ],
  });
  return picked === 'inherit' ? undefined : picked;
}

/** Makes sure the project's alerts are sent to sentry-tg (what setup registered, reused). */
async function ensureRegistration(s: Session, t: CliText, api: SentryApi | null, project: string, envName: string): Promise<void> {
  const st = s.settings;
  const say = (line: string) => s.ctx.out.warn(line);
  const org = st.sentryOrg;
  if (api === null || org === undefined) {
    s.ctx.out.warn(t('route.noRegistration', { file: envName, project }));
    return;
  }
  let rule: { name: string; created: boolean } | undefined;
  if (st.mode === 'integration' && st.integration) {
    rule = await ensureRule(api, { org, project }, st.integration, 'any', s.changes, say);
  } else if (st.mode === 'plugin' && st.publicUrl && st.webhookSecret) {
    rule = (await registerPlugin(api, { org, project }, pluginCallbackUrl(st.publicUrl, st.webhookSecret), 'any', s.changes, say)).rule;
  }
  if (rule === undefined) {
    s.ctx.out.warn(t('route.noRegistration', { file: envName, project }));
    return;
  }
  const where = `${org}/${project}`;
  s.ctx.out.ok(t(rule.created ? 'route.ruleCreated' : 'route.ruleKept', { project: where, rule: rule.name }));
}

export async function addRouteCommand(ctx: SetupContext, loaded: Loaded, flags: Record<string, unknown>): Promise<number> {
  const s = createSession(ctx, loaded, flags);
  const st = s.settings;
  const t = cliText(st.locale);
  const envName = relative(ctx.cwd, s.envPath) || s.envPath;
  for (const secret of [st.telegramToken, st.sentryAuthToken, st.webhookSecret]) registerSecret(secret);
  ctx.out.info(t('route.intro', { file: envName }));

  // The current chat and scope are what the env file (or the environment) says, not the flags:
  // with --route, --chat-id and --project answer for the new route.
  const fileEnv = readEnvFile(s.envPath) ?? {};
  const fromSetup = (key: 'chatId' | 'topicId' | 'sentryProject'): string | undefined =>
    s.sources[key] === 'flag' ? fileEnv[OPTIONS[key].env] : st[key] === undefined ? undefined : String(st[key]);
  const currentChat = fromSetup('chatId');
  const currentTopic = fromSetup('topicId');
  const scopeRaw = fromSetup('sentryProject');
  if (st.telegramToken === undefined) throw needs(t, envName, OPTIONS.telegramToken.env);

  const { path: routesPath } = routesFilePath(st.routes, ctx.cwd);
  const routesName = relative(ctx.cwd, routesPath) || routesPath;
  const existing = existsSync(routesPath) ? readFileSync(routesPath, 'utf8') : null;
  // A broken file is reported (file:line) before anything is asked, and never rewritten.
  const before = existing === null ? null : loadRoutes(existing, routesName);

  const bot = await askBot(s);
  const api = st.sentryAuthToken && st.sentryOrg ? createSentryApi({ baseUrl: st.sentryUrl, token: st.sentryAuthToken, fetch: ctx.fetch, now: ctx.now }) : null;
  const routedProjects = (before?.routes ?? []).flatMap((r) => r.match.project ?? []);
  const project = await askProject(s, t, api, st.sentryOrg, routedProjects);

  // The chat: the flag, else discovery (setup's own question), never the current chat silently.
  const routeChat = s.sources.chatId === 'flag' ? st.chatId : undefined;
  const routeTopic = s.sources.topicId === 'flag' ? st.topicId : undefined;
  keep(s, { chatId: routeChat, topicId: routeTopic });
  const chat = await askChat(s, bot);
  const locale = await askLocale(s, t);

  const route: NewRoute = {
    name: freeName(project, (before?.routes ?? []).map((r) => r.name)),
    project,
    chatId: chat.chatId,
    ...(chat.topicId !== undefined ? { topicId: chat.topicId } : {}),
    ...(locale !== undefined ? { locale } : {}),
  };
  const target = chat.label;
  const same = before?.routes.find(
    (r) => r.chatId === route.chatId && (r.topicId ?? null) === (route.topicId ?? null) && r.match.project?.length === 1 && r.match.project[0] === project,
  );
  if (same) {
    ctx.out.ok(t('route.exists', { project, target, file: routesName, name: same.name }));
    return 0;
  }
  const defaultChat =
    currentChat === undefined ? undefined : { chatId: currentChat, ...(currentTopic ? { topicId: Number(currentTopic) } : {}) };
  const text = appendRoute(existing, route, defaultChat);
  // What is written must be what serve accepts.
  loadRoutes(text, routesName);

  if (s.dryRun) {
    ctx.out.info(t('route.dryRun', { name: route.name, file: routesName, project, target }));
    return 0;
  }
  if (s.interactive && !(await ctx.prompts.confirm({ message: t('setup.goAhead'), default: true }))) throw new CancelledError();

  writeFileSync(routesPath, text);
  ctx.out.ok(
    existing === null && defaultChat !== undefined
      ? t('route.created', { file: routesName, chat: defaultChat.chatId, name: route.name, project, target })
      : t('route.appended', { name: route.name, file: routesName, project, target }),
  );
  s.changes.local.push(`${routesName}: ${existing === null ? 'created, ' : ''}route "${route.name}" (${project} → ${target})`);

  const scope = scopeProjects(scopeRaw);
  if (scope.length > 0 && !scope.includes(project.toLowerCase())) {
    const list = [...(scopeRaw ?? '').split(/[\s,]+/).filter(Boolean), project].join(',');
    await writeEnvFile(s.envPath, { [OPTIONS.sentryProject.env]: list }, { now: ctx.now });
    ctx.out.ok(t('route.scopeAdded', { project, file: envName }));
    s.changes.local.push(`${envName}: SENTRY_PROJECT=${list}`);
  }
  try {
    await ensureRegistration(s, t, api, project, envName);
  } catch (err) {
    // The route is written: say what Sentry refused, then the summary of what did change.
    const hint = err instanceof UserError && err.hint ? ` ${err.hint}` : err instanceof SentryApiError ? ` ${err.hint}` : '';
    ctx.out.warn(`${err instanceof Error ? err.message : String(err)}${hint}`);
    ctx.out.warn(t('route.noRegistration', { file: envName, project }));
  }

  printChanges(s, t('setup.summary'));
  ctx.out.plain('');
  ctx.out.info(t('route.next', { serve: serveCommand(s, false), file: routesName }));
  return 0;
}
