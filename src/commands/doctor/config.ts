// Configuration checks: the settings themselves, and the .env file that holds the secrets.
import { statSync } from 'node:fs';
import { dirname, relative, isAbsolute } from 'node:path';
import { OPTIONS, type OptionKey } from '../../config/options.js';
import { describeScope, scopeProjects } from '../../route/scope.js';
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
  const missing = SERVE_NEEDS.filter((k) => settings[k] === undefined)
    // A value that was present but invalid is already a problem of its own.
    .filter((k) => !env.configProblems.some((p) => p.includes(OPTIONS[k].env) || p.includes(`--${OPTIONS[k].flag}`)))
    .map((k) => `${OPTIONS[k].env} is not set (or pass --${OPTIONS[k].flag})`);
  const problems = [...env.configProblems, ...missing];
  const file = shownPath(env.envFile, env.cwd);
  if (problems.length > 0) {
    return c.fail(
      problems.join('; '),
      envFileFound || missing.length < problems.length
        ? `Fix these in ${file}, the environment or the flags; \`sentry-tg setup\` writes a complete ${file}.`
        : `No ${file} found: run \`sentry-tg setup\`, or set the variables in the environment.`,
    );
  }
  const counts = { file: 0, env: 0, flag: 0 };
  for (const source of Object.values(sources)) if (source !== 'default') counts[source] += 1;
  const from = [
    counts.file ? `${counts.file} from ${file}` : '',
    counts.env ? `${counts.env} from the environment` : '',
    counts.flag ? `${counts.flag} from flags` : '',
  ].filter(Boolean);
  return c.ok(`${from.join(', ') || 'only defaults'}${envFileFound ? '' : ` (no ${file})`}`);
}

export function checkEnvFileMode(env: DoctorEnv): CheckResult {
  const c = checker('env-file-mode', '.env permissions');
  const file = shownPath(env.envFile, env.cwd);
  if (!env.loaded.envFileFound) return c.skip(`no ${file}`);
  if (process.platform === 'win32') return c.skip('file modes do not apply on Windows');
  let mode: number;
  try {
    mode = statSync(env.envFile).mode & 0o777;
  } catch (err) {
    return c.skip(`cannot read ${file}: ${messageOf(err)}`);
  }
  const octal = mode.toString(8).padStart(3, '0');
  if (mode & 0o077) {
    const who = mode & 0o007 ? 'every user on this machine' : 'its group';
    return c.fail(`${file} holds the bot token and secrets but is readable by ${who} (mode ${octal})`, `chmod 600 ${file}`);
  }
  return c.ok(`${file} is readable only by its owner (mode ${octal})`);
}

export async function checkEnvFileGit(env: DoctorEnv): Promise<CheckResult> {
  const c = checker('env-file-git', '.env kept out of git');
  const file = shownPath(env.envFile, env.cwd);
  if (!env.loaded.envFileFound) return c.skip(`no ${file}`);
  const cwd = dirname(env.envFile);
  const git = (args: string[]) => env.exec('git', args, { cwd, timeoutMs: env.timeoutMs, env: { GIT_TERMINAL_PROMPT: '0' } });
  const inside = await git(['rev-parse', '--is-inside-work-tree']);
  if (inside.notFound) return c.skip('git is not installed');
  if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') return c.ok(`${file} is not in a git repository`);
  const tracked = await git(['ls-files', '--error-unmatch', '--', env.envFile]);
  if (tracked.exitCode === 0) {
    return c.fail(
      `${file} is tracked by git: the bot token and secrets are in the repository`,
      `git rm --cached ${file} && echo ${file} >> .gitignore, then rotate the bot token (@BotFather /revoke) and the secrets`,
    );
  }
  const ignored = await git(['check-ignore', '-q', '--', env.envFile]);
  if (ignored.exitCode === 1) {
    return c.warn(`${file} is not tracked, but not git-ignored either: \`git add .\` would commit it`, `echo ${file} >> .gitignore`);
  }
  return c.ok(`${file} is not tracked by git`);
}

export function checkWebhookSecret(env: DoctorEnv): CheckResult {
  const c = checker('webhook-secret', 'Webhook secret');
  if (env.loaded.settings.webhookSecret === undefined) {
    return c.warn(
      'SENTRY_WEBHOOK_SECRET is not set: the receiver accepts unsigned requests from anyone who can reach it',
      "Run `sentry-tg setup` (it generates one), or set SENTRY_WEBHOOK_SECRET to the integration's client secret",
    );
  }
  return c.ok('set: requests must be signed (integration) or carry the URL token (plugin)');
}

export function checkProjectScope(env: DoctorEnv): CheckResult {
  const c = checker('project-scope', 'Projects posted');
  const projects = scopeProjects(env.loaded.settings.sentryProject);
  if (projects.length === 0) {
    return c.warn(
      `${describeScope(projects)} (an internal integration's issue webhooks are org-wide)`,
      'Set SENTRY_PROJECT to the project slug(s) this chat is for, comma-separated, e.g. SENTRY_PROJECT=backend,api',
    );
  }
  return c.ok(describeScope(projects));
}
