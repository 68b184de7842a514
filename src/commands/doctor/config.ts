// Configuration checks: the settings themselves, and the .env file that holds the secrets.
import { statSync } from 'node:fs';
import { dirname, relative, isAbsolute } from 'node:path';
import { OPTIONS, type OptionKey } from '../../config/options.js';
import { scopeProjects } from '../../route/scope.js';
import { cliText } from '../../i18n/cli.js';
import { checker, messageOf, type CheckResult, type DoctorEnv } from './check.js';

/** `.env` relative to the working directory when it is inside it, else absolute. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

const SERVE_NEEDS: OptionKey[] = ['telegramToken', 'chatId'];

export function checkConfig(env: DoctorEnv): CheckResult {
  const c = checker('config', 'Configuration');
  const { settings, sources, envFileFound } = env.loaded;
  const t = cliText(settings.locale);
  const missing = SERVE_NEEDS.filter((k) => settings[k] === undefined)
    // A value that was present but invalid is already a problem of its own.
    .filter((k) => !env.configProblems.some((p) => p.includes(OPTIONS[k].env) || p.includes(`--${OPTIONS[k].flag}`)))
    .map((k) => t('doctor.config.notSet', { env: OPTIONS[k].env, flag: OPTIONS[k].flag }));
  const problems = [...env.configProblems, ...missing];
  const file = shownPath(env.envFile, env.cwd);
  if (problems.length > 0) {
    return c.fail(
      problems.join('; '),
      envFileFound || missing.length < problems.length
        ? t('doctor.config.fixProblems', { file })
        : t('doctor.config.fixNoFile', { file }),
    );
  }
  const counts = { file: 0, env: 0, flag: 0 };
  for (const source of Object.values(sources)) if (source !== 'default') counts[source] += 1;
  const from = [
    counts.file ? t('doctor.config.fromFile', { n: counts.file, file }) : '',
    counts.env ? t('doctor.config.fromEnv', { n: counts.env }) : '',
    counts.flag ? t('doctor.config.fromFlags', { n: counts.flag }) : '',
  ].filter(Boolean);
  return c.ok(`${from.join(', ') || t('doctor.config.onlyDefaults')}${envFileFound ? '' : t('doctor.config.noFile', { file })}`);
}

export function checkEnvFileMode(env: DoctorEnv): CheckResult {
  const c = checker('env-file-mode', '.env permissions');
  const t = cliText(env.loaded.settings.locale);
  const file = shownPath(env.envFile, env.cwd);
  if (!env.loaded.envFileFound) return c.skip(t('doctor.envMode.noFile', { file }));
  if (process.platform === 'win32') return c.skip(t('doctor.envMode.windows'));
  let mode: number;
  try {
    mode = statSync(env.envFile).mode & 0o777;
  } catch (err) {
    return c.skip(t('doctor.envMode.unreadable', { file, error: messageOf(err) }));
  }
  const octal = mode.toString(8).padStart(3, '0');
  if (mode & 0o077) {
    const who = t(mode & 0o007 ? 'doctor.envMode.everyone' : 'doctor.envMode.group');
    return c.fail(t('doctor.envMode.open', { file, who, mode: octal }), `chmod 600 ${file}`);
  }
  return c.ok(t('doctor.envMode.ok', { file, mode: octal }));
}

export async function checkEnvFileGit(env: DoctorEnv): Promise<CheckResult> {
  const c = checker('env-file-git', '.env kept out of git');
  const t = cliText(env.loaded.settings.locale);
  const file = shownPath(env.envFile, env.cwd);
  if (!env.loaded.envFileFound) return c.skip(t('doctor.git.noFile', { file }));
  const cwd = dirname(env.envFile);
  const git = (args: string[]) => env.exec('git', args, { cwd, timeoutMs: env.timeoutMs, env: { GIT_TERMINAL_PROMPT: '0' } });
  const inside = await git(['rev-parse', '--is-inside-work-tree']);
  if (inside.notFound) return c.skip(t('doctor.git.noGit'));
  if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') return c.ok(t('doctor.git.notRepo', { file }));
  const tracked = await git(['ls-files', '--error-unmatch', '--', env.envFile]);
  if (tracked.exitCode === 0) {
    return c.fail(
      t('doctor.git.tracked', { file }),
      t('doctor.git.trackedFix', { file }),
    );
  }
  const ignored = await git(['check-ignore', '-q', '--', env.envFile]);
  if (ignored.exitCode === 1) {
    return c.warn(t('doctor.git.notIgnored', { file }), t('doctor.git.notIgnoredFix', { file }));
  }
  return c.ok(t('doctor.git.ok', { file }));
}

export function checkWebhookSecret(env: DoctorEnv): CheckResult {
  const c = checker('webhook-secret', 'Webhook secret');
  const t = cliText(env.loaded.settings.locale);
  if (env.loaded.settings.webhookSecret === undefined) return c.warn(t('doctor.secret.unset'), t('doctor.secret.unsetFix'));
  return c.ok(t('doctor.secret.ok'));
}

export function checkProjectScope(env: DoctorEnv): CheckResult {
  const c = checker('project-scope', 'Projects posted');
  const t = cliText(env.loaded.settings.locale);
  const projects = scopeProjects(env.loaded.settings.sentryProject);
  if (projects.length === 0) return c.warn(t('doctor.scope.every'), t('doctor.scope.everyFix'));
  return c.ok(t(projects.length > 1 ? 'doctor.scope.some' : 'doctor.scope.one', { projects: projects.join(', ') }));
}
