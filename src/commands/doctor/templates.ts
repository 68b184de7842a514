// The templates check: the SENTRY_TG_TEMPLATES folder loads and checks out (every problem with
// file:line, as `serve` would report it at start), and every template set a route names is there.
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { cliText } from '../../i18n/cli.js';
import type { RoutesConfig } from '../../route/config.js';
import { loadTemplates, TemplatesError, unknownTemplateSets, type TemplateRegistry } from '../../render/templates.js';
import { messageOf, result, type CheckResult, type DoctorEnv } from './check.js';

/** The sets the routes name, as the receiver lists them. */
export function wantedSets(routes: RoutesConfig | null): { where: string; set: string }[] {
  if (routes === null) return [];
  return [
    ...routes.routes.flatMap((r) => (r.template ? [{ where: `route "${r.name}"`, set: r.template }] : [])),
    ...(routes.default?.template ? [{ where: 'default', set: routes.default.template }] : []),
  ];
}

export function checkTemplates(env: DoctorEnv, routes: RoutesConfig | null): CheckResult {
  const t = cliText(env.loaded.settings.locale);
  const check = (status: CheckResult['status'], detail: string, fix?: string) => result('templates', t('doctor.title.templates'), status, detail, fix);
  const dir = env.loaded.settings.templates;
  const set = dir !== undefined && dir.trim() !== '';
  let reg: TemplateRegistry;
  try {
    // Relative to where doctor runs, as `serve` started there would read it.
    reg = loadTemplates(set ? (isAbsolute(dir) ? dir : resolve(env.cwd, dir)) : undefined);
  } catch (err) {
    if (err instanceof TemplatesError) return check('fail', t('doctor.templates.broken', { problems: err.problems.join('; ') }), t('doctor.templates.brokenFix'));
    if (err instanceof UserError) return check('fail', t('doctor.templates.notFolder', { error: messageOf(err) }), t('doctor.templates.notFolderFix'));
    throw err;
  }
  const missing = unknownTemplateSets(wantedSets(routes), reg);
  if (missing.length > 0) return check('fail', t('doctor.templates.missingSets', { problems: missing.join('; ') }), t('doctor.templates.missingSetsFix'));
  if (!set) return check('ok', t('doctor.templates.builtIn'));
  return check('ok', t('doctor.templates.ok', { dir, sets: reg.sets.length ? reg.sets.join(', ') : t('doctor.templates.noSets') }));
}
