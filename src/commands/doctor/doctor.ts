// `sentry-tg doctor`: every check of the old guide's troubleshooting section, each one a small
// function returning ok / warn / fail / skip with a one-line fix. Independent groups (config,
// Telegram, Sentry, receiver) run concurrently; results are always printed in the same order.
import { resolve } from 'node:path';
import type { Context } from '../../context/context.js';
import type { Loaded } from '../../config/load.js';
import { timeoutFlagMs } from '../../config/options.js';
import { registerSecret } from '../../log/redact.js';
import { checker, type CheckResult, type DoctorEnv } from './check.js';
import { checkDatabase } from './database.js';
import { checkConfig, checkEnvFileGit, checkEnvFileMode, checkProjectScope, checkWebhookSecret } from './config.js';
import { checkPublicUrl, checkReceiver } from './receiver.js';
import { cliText, type CliKey } from '../../i18n/cli.js';
import type { Locale } from '../../i18n/locale.js';
import { checkReach, checkRouteTargets, readRoutes } from './routes.js';
import { checkSentry, type SentryFindings } from './sentry.js';
import { checkDeliveries, databasePath, openStoreReport, type StoreReport } from './store.js';
import { checkTelegram } from './telegram.js';
import { checkTemplates } from './templates.js';

export const DEFAULT_TIMEOUT_MS = 5000;

export interface DoctorFlags {
  json?: boolean;
  /** Seconds, as typed. */
  timeout?: string;
  /** The global --env-file. */
  envFile?: string;
  /** Set by the program when loading the configuration found problems. */
  configProblems?: string[];
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

export async function runDoctor(env: DoctorEnv): Promise<DoctorReport> {
  const s = env.loaded.settings;
  for (const secret of [s.telegramToken, s.webhookSecret, s.sentryAuthToken, s.ngrokAuthtoken, databasePassword(s.databaseUrl)]) registerSecret(secret);

  const dbPath = databasePath(s.dataDir, env.cwd);
  let store: StoreReport | null = null;
  let storeError: unknown;
  try {
    store = openStoreReport(dbPath, env.now);
  } catch (err) {
    storeError = err;
  }
  const routes = readRoutes(env);
  const sentryFound: SentryFindings = { subscribed: null };
  try {
    const [config, telegram, sentry, receiver, database] = await Promise.all([
      (async () => [checkConfig(env), checkEnvFileMode(env), await checkEnvFileGit(env), checkWebhookSecret(env), checkProjectScope(env)])(),
      (async () => {
        const tg = await checkTelegram(env, store);
        return [...tg.results, ...(await checkRouteTargets(env, routes, tg.findings.bot !== null))];
      })(),
      checkSentry(env, sentryFound),
      (async () => {
        const local = await checkReceiver(env);
        return [local.result, await checkPublicUrl(env, local.health)];
      })(),
      checkDatabase(s.databaseUrl, dbDir(s.dataDir, env.cwd), env.timeoutMs),
    ]);
    // On PostgreSQL the queue is shared: doctor does not read it (a replica's /health shows it).
    const deliveries = s.databaseUrl
      ? checker('deliveries', 'Recent deliveries').skip(cliText(s.locale)('doctor.dl.postgres'))
      : checkDeliveries(store, storeError === undefined ? { path: dbPath } : { path: dbPath, error: storeError }, env.now(), s.locale);
    const checks = translateTitles(
      [...config, ...routes.results, checkTemplates(env, routes.config), ...telegram, ...checkReach(env, routes, sentryFound.subscribed), ...sentry, ...receiver, ...database, deliveries],
      s.locale,
    );
    return { ok: checks.every((c) => c.status !== 'fail'), checks };
  } finally {
    store?.close();
  }
}

function databasePassword(url: string | undefined): string | undefined {
  try {
    return url ? decodeURIComponent(new URL(url).password) || undefined : undefined;
  } catch {
    return undefined;
  }
}

function dbDir(dataDir: string, cwd: string): string {
  return resolve(cwd, dataDir);
}

/** Check titles in the user's language (ids stay the same for --json readers). */
function translateTitles(checks: CheckResult[], locale: Locale): CheckResult[] {
  const t = cliText(locale);
  return checks.map((c) => {
    const key = `doctor.title.${c.id}`;
    return key in TITLE_KEYS ? { ...c, title: t(key as CliKey) } : c;
  });
}
const TITLE_KEYS: Readonly<Record<string, true>> = Object.fromEntries(
  ['config', 'env-file-mode', 'env-file-git', 'webhook-secret', 'project-scope', 'telegram-token', 'telegram-chat', 'telegram-topic',
    'sentry-token', 'sentry-scopes', 'sentry-project', 'sentry-webhook', 'sentry-rule', 'sentry-secret', 'receiver', 'public-url', 'database', 'replicas', 'deliveries',
  ].map((id) => [`doctor.title.${id}`, true]),
);

export function printReport(ctx: Pick<Context, 'out'>, report: DoctorReport, locale: Locale = 'en'): void {
  const t = cliText(locale);
  for (const check of report.checks) {
    const line = `${check.title}: ${check.detail}`;
    if (check.status === 'ok') ctx.out.ok(line);
    else if (check.status === 'warn') ctx.out.warn(line);
    else if (check.status === 'fail') ctx.out.fail(line);
    else ctx.out.info(t('doctor.skipped', { title: check.title, detail: check.detail }));
    if (check.fix !== undefined && check.status !== 'ok') ctx.out.plain(`    → ${check.fix}`);
  }
  const count = (status: CheckResult['status']) => report.checks.filter((c) => c.status === status).length;
  const summary = t('doctor.summary', { ok: count('ok'), warn: count('warn'), fail: count('fail'), skip: count('skip') });
  ctx.out.plain('');
  if (report.ok) ctx.out.ok(summary);
  else ctx.out.fail(summary);
}

export async function doctorCommand(
  ctx: Pick<Context, 'out' | 'cwd' | 'fetch' | 'now' | 'exec'>,
  loaded: Loaded,
  flags: DoctorFlags,
): Promise<number> {
  const report = await runDoctor({
    loaded,
    configProblems: flags.configProblems ?? [],
    envFile: resolve(ctx.cwd, flags.envFile ?? '.env'),
    cwd: ctx.cwd,
    fetch: ctx.fetch,
    now: ctx.now,
    exec: ctx.exec,
    timeoutMs: timeoutFlagMs(flags.timeout, DEFAULT_TIMEOUT_MS),
  });
  if (flags.json) ctx.out.plain(JSON.stringify(report, null, 2));
  else printReport(ctx, report, loaded.settings.locale);
  return report.ok ? 0 : 1;
}
