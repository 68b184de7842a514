// Routes checks, only when there is a routes file: the file itself (every problem with
// file:line), every route's chat and topic (and the default's) with the same "can the bot post
// there?" probe as the main chat, and routes no alert could ever match (route/reach.ts).
import { relative, isAbsolute } from 'node:path';
import type { Destination, RoutesConfig } from '../../route/config.js';
import { unreachableRoutes, type Unreachable } from '../../route/reach.js';
import { readRoutesFile, routesFilePath, RoutesFileError } from '../../route/routes-file.js';
import { scopeProjects } from '../../route/scope.js';
import { createTelegram } from '../../telegram/client.js';
import { cliText, type CliText } from '../../i18n/cli.js';
import { probeChat } from '../can-post.js';
import { messageOf, result, type CheckResult, type DoctorEnv } from './check.js';

export interface RoutesFound {
  /** Null: no routes file, so no routes checks at all. */
  config: RoutesConfig | null;
  file: string;
  /** The file's own checks (routes-file), already decided. */
  results: CheckResult[];
}

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Warnings the reach check reports itself (a catch-all route above others), left out here. */
const REACH_WARNING = /: never matches: /;

export function readRoutes(env: DoctorEnv): RoutesFound {
  const t = cliText(env.loaded.settings.locale);
  const title = t('doctor.title.routes-file');
  const { path, explicit } = routesFilePath(env.loaded.settings.routes, env.cwd);
  const file = shown(path, env.cwd);
  let config: RoutesConfig | null;
  try {
    config = readRoutesFile(path, file);
  } catch (err) {
    if (!(err instanceof RoutesFileError)) throw err;
    return {
      config: null,
      file,
      results: [result('routes-file', title, 'fail', t('doctor.routes.broken', { problems: err.problems.join('; ') }), t('doctor.routes.brokenFix', { file }))],
    };
  }
  if (config === null) {
    return {
      config: null,
      file,
      results: explicit ? [result('routes-file', title, 'fail', t('doctor.routes.missing', { file }), t('doctor.routes.missingFix'))] : [],
    };
  }
  const warnings = config.warnings.filter((w) => !REACH_WARNING.test(w));
  const found =
    warnings.length > 0
      ? result('routes-file', title, 'warn', t('doctor.routes.warnings', { file, warnings: warnings.join('; ') }), t('doctor.routes.warningsFix', { file }))
      : result('routes-file', title, 'ok', t('doctor.routes.ok', {
          file,
          routes: config.routes.length,
          withDefault: config.default ? t('doctor.routes.withDefault') : '',
        }));
  return { config, file, results: [found] };
}

/** Each route's (and the default's) chat and topic: may the bot post there? */
export async function checkRouteTargets(env: DoctorEnv, found: RoutesFound, tokenWorks: boolean): Promise<CheckResult[]> {
  const { config, file } = found;
  if (config === null) return [];
  const s = env.loaded.settings;
  const t = cliText(s.locale);
  const targets: { id: string; name: string; title: string; dest: Destination }[] = config.routes.map((r) => ({
    id: `route:${r.name}`,
    name: r.name,
    title: t('doctor.title.route', { name: r.name }),
    dest: r,
  }));
  if (config.default) targets.push({ id: 'route-default', name: 'default', title: t('doctor.title.route-default'), dest: config.default });
  const telegram =
    s.telegramToken === undefined || !tokenWorks
      ? null
      : createTelegram({ apiRoot: s.telegramApiRoot, token: s.telegramToken, fetch: env.fetch, timeoutMs: env.timeoutMs });
  // Routes often share a chat: each chat and topic is probed once (one "typing…" there).
  const probes = new Map<string, ReturnType<typeof probeChat>>();
  const probe: typeof probeChat = (tg, chatId, topicId) => {
    const key = `${chatId}/${topicId ?? ''}`;
    if (!probes.has(key)) probes.set(key, probeChat(tg, chatId, topicId));
    return probes.get(key)!;
  };
  return Promise.all(
    targets.map(async ({ id, name, title, dest }) => {
      if (telegram === null) return result(id, title, 'skip', t(s.telegramToken === undefined ? 'doctor.route.noToken' : 'doctor.route.badToken'));
      return probeTarget(t, telegram, probe, { id, name, title, dest, file });
    }),
  );
}

async function probeTarget(
  t: CliText,
  telegram: Parameters<typeof probeChat>[0],
  probe: typeof probeChat,
  p: { id: string; name: string; title: string; dest: Destination; file: string },
): Promise<CheckResult> {
  const { chatId, topicId } = p.dest;
  const target = t('doctor.route.target', { chat: chatId, topic: topicId === undefined ? '' : t('doctor.route.topic', { topic: topicId }) });
  try {
    const refusal = await probe(telegram, chatId, topicId);
    if (refusal === null) return result(p.id, p.title, 'ok', t('doctor.route.ok', { target }));
    return result(
      p.id,
      p.title,
      'fail',
      t('doctor.route.refused', { target, reason: refusal.reason }),
      t('doctor.route.fixIn', { fix: refusal.fix.replace(/\.$/, ''), name: p.name, file: p.file }),
    );
  } catch (err) {
    return result(p.id, p.title, 'warn', t('doctor.route.unchecked', { target, error: messageOf(err) }), t('doctor.route.uncheckedFix'));
  }
}

function describe(t: CliText, u: Unreachable): string {
  switch (u.kind) {
    case 'shadowed':
      return t('doctor.reach.shadowed', { name: u.route, by: u.by });
    case 'out-of-scope':
      return t(u.all ? 'doctor.reach.outOfScopeAll' : 'doctor.reach.outOfScopeSome', { name: u.route, projects: u.projects.join(', ') });
    case 'not-subscribed':
      return t(u.all ? 'doctor.reach.unsubscribedAll' : 'doctor.reach.unsubscribedSome', { name: u.route, resources: u.resources.join(', ') });
  }
}

/** Routes no alert could ever match (a warning: alerts still go somewhere, just not there). */
export function checkReach(env: DoctorEnv, found: RoutesFound, subscribed: readonly string[] | null): CheckResult[] {
  if (found.config === null || found.config.routes.length === 0) return [];
  const t = cliText(env.loaded.settings.locale);
  const title = t('doctor.title.routes-reach');
  const unreachable = unreachableRoutes(found.config, { scope: scopeProjects(env.loaded.settings.sentryProject), subscribed });
  if (unreachable.length === 0) return [result('routes-reach', title, 'ok', t('doctor.reach.ok'))];
  return [result('routes-reach', title, 'warn', unreachable.map((u) => describe(t, u)).join('; '), t('doctor.reach.fix'))];
}
