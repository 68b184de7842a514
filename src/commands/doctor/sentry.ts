// Sentry checks: the token and its scopes, the org and project, what Sentry calls (the legacy
// WebHooks plugin or an internal integration) and whether an alert rule sends to it, and, for an
// integration, whether its client secret is the one the receiver checks signatures with.
import {
  createSentryApi,
  missingScopes,
  REQUIRED_SCOPES,
  scopeSatisfies,
  SentryApiError,
  type SentryApi,
  type SentryApiMethod,
  type SentryApp,
  type WebhooksPlugin,
} from '../../sentry/api.js';
import { pluginCallbackUrl, WEBHOOK_PATH } from '../../receive/verify.js';
import { cliText, type CliKey, type CliText } from '../../i18n/cli.js';
import { checker, messageOf, type CheckResult, type DoctorEnv } from './check.js';
import { joinUrl } from '../setup/url-check.js';

const NOTIFY_SERVICE = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';

/** What doctor itself calls, plus what the configured features need. */
function neededCalls(env: DoctorEnv): SentryApiMethod[] {
  const calls: SentryApiMethod[] = ['getProject', 'getWebhooksPlugin', 'listRules', 'listSentryApps'];
  // Action buttons change issues, with the user's own token.
  if (env.loaded.settings.allowedUsers.length > 0) calls.push('updateIssue');
  return calls;
}

function failure(err: unknown, t: CliText): { detail: string; fix: string } {
  if (err instanceof SentryApiError) return { detail: messageOf(err), fix: err.hint };
  return { detail: messageOf(err), fix: t('doctor.sentry.debugFix') };
}

/** The URL token is as good as a password: never print it. */
function masked(url: string): string {
  const at = url.indexOf(`${WEBHOOK_PATH}/`);
  return at < 0 ? url : `${url.slice(0, at + WEBHOOK_PATH.length)}/<token>`;
}

function sameUrl(a: string | null | undefined, b: string): boolean {
  return a !== null && a !== undefined && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

type Mode = { kind: 'plugin' } | { kind: 'integration'; app: SentryApp } | null;

/** What the Sentry checks learned that other checks use (filled in as they run). */
export interface SentryFindings {
  /** The internal integration's webhook subscriptions; null when unknown or the plugin is used. */
  subscribed: string[] | null;
}

export async function checkSentry(env: DoctorEnv, findings: SentryFindings = { subscribed: null }): Promise<CheckResult[]> {
  const s = env.loaded.settings;
  const t = cliText(s.locale);
  const token = checker('sentry-token', 'Sentry auth token');
  const scopes = checker('sentry-scopes', 'Sentry token scopes');
  const project = checker('sentry-project', 'Sentry organisation and project');
  const webhook = checker('sentry-webhook', 'Sentry webhook');
  const rule = checker('sentry-rule', 'Sentry alert rule');
  const secret = checker('sentry-secret', 'Sentry integration secret');
  const skipRest = (reason: string, from: number) =>
    [token, scopes, project, webhook, rule, secret].slice(from).map((c) => c.skip(reason));

  if (s.sentryAuthToken === undefined) {
    return skipRest(t('doctor.sentry.tokenUnset'), 0);
  }
  const api = createSentryApi({ baseUrl: s.sentryUrl, token: s.sentryAuthToken, fetch: env.fetch, now: env.now, timeoutMs: env.timeoutMs });
  const results: CheckResult[] = [];
  let granted: string[] | null = null;

  try {
    const me = await api.whoami();
    granted = me.scopes;
    if (me.user === undefined) {
      return [token.fail(t('doctor.sentry.rejected', { base: api.baseUrl }), t('doctor.sentry.rejectedFix', { base: api.baseUrl })), ...skipRest(t('doctor.sentry.needsToken'), 1)];
    }
    results.push(token.ok(t('doctor.sentry.tokenOk', { user: me.user.email || me.user.username, base: api.baseUrl })));
    if (me.scopes === null) {
      results.push(scopes.warn(t('doctor.sentry.scopesUnknown'), t('doctor.sentry.scopesUnknownFix')));
    } else {
      const missing = missingScopes(me.scopes, neededCalls(env));
      if (missing.length > 0) {
        const names = [...new Set(missing.map((m) => REQUIRED_SCOPES[m][0]!))];
        results.push(
          scopes.fail(
            t('doctor.sentry.scopesLack', { scopes: names.join(', '), calls: missing.map((m) => describeCall(m, t)).join(', ') }),
            t('doctor.sentry.scopesLackFix', { scopes: [...new Set(['org:read', 'project:read', 'alerts:read', ...names])].join(', '), base: api.baseUrl }),
          ),
        );
      } else {
        results.push(scopes.ok(t('doctor.sentry.scopesOk', { scopes: me.scopes.join(', ') || t('doctor.sentry.none') })));
      }
    }
  } catch (err) {
    const f = failure(err, t);
    return [token.fail(f.detail, f.fix), ...skipRest(t('doctor.sentry.needsToken'), 1)];
  }

  if (s.sentryOrg === undefined || s.sentryProject === undefined) {
    const name = s.sentryOrg === undefined ? 'SENTRY_ORG' : 'SENTRY_PROJECT';
    return [
      ...results,
      project.fail(t('doctor.sentry.unset', { name }), t('doctor.sentry.unsetFix', { name })),
      ...skipRest(t('doctor.sentry.needsOrgProject'), 3),
    ];
  }
  const org = s.sentryOrg;
  // SENTRY_PROJECT may list several projects (the receiver's scope): the first is checked here.
  const slug = s.sentryProject.split(/[\s,]+/).find(Boolean) ?? s.sentryProject;
  try {
    const p = await api.getProject(org, slug);
    results.push(project.ok(`${org}/${p.slug}${p.platform ? ` (${p.platform})` : ''}`));
  } catch (err) {
    const f = failure(err, t);
    return [...results, project.fail(`${org}/${slug}: ${f.detail}`, f.fix), ...skipRest(t('doctor.sentry.needsProject'), 3)];
  }

  const { result: webhookResult, mode } = await checkWebhook(env, api, org, slug, webhook, t);
  results.push(webhookResult);
  if (mode?.kind === 'integration') findings.subscribed = [...mode.app.events];
  results.push(await checkRule(api, org, slug, mode, rule, t));
  results.push(checkSecret(env, mode, secret, granted, t));
  return results;
}

function describeCall(m: SentryApiMethod, t: CliText): string {
  const words: Partial<Record<SentryApiMethod, CliKey>> = {
    getProject: 'doctor.sentry.call.getProject',
    getWebhooksPlugin: 'doctor.sentry.call.getWebhooksPlugin',
    listRules: 'doctor.sentry.call.listRules',
    listSentryApps: 'doctor.sentry.call.listSentryApps',
    updateIssue: 'doctor.sentry.call.updateIssue',
  };
  const key = words[m];
  return key ? t(key) : m;
}

async function checkWebhook(
  env: DoctorEnv,
  api: SentryApi,
  org: string,
  project: string,
  c: ReturnType<typeof checker>,
  t: CliText,
): Promise<{ result: CheckResult; mode: Mode }> {
  const s = env.loaded.settings;
  // Both ways are looked at; one that cannot be read is reported only if the other is not right.
  let plugin: WebhooksPlugin | null = null;
  let apps: SentryApp[] = [];
  const readErrors: string[] = [];
  try {
    plugin = await api.getWebhooksPlugin(org, project);
  } catch (err) {
    readErrors.push(t('doctor.sentry.readPlugin', { error: failure(err, t).detail }));
  }
  try {
    apps = await api.listSentryApps(org);
  } catch (err) {
    readErrors.push(t('doctor.sentry.readApps', { error: failure(err, t).detail }));
  }
  const ours = apps.filter((a) => a.webhookUrl?.replace(/\/+$/, '').endsWith(WEBHOOK_PATH));
  const pluginUrls = plugin?.enabled ? plugin.urls : [];

  if (s.publicUrl === undefined) {
    // Without the public URL the expected address is unknown: say what Sentry calls.
    const seen = [
      ...pluginUrls.map((u) => t('doctor.sentry.pluginCalls', { url: masked(u) })),
      ...ours.map((a) => t('doctor.sentry.appCalls', { name: a.name, url: a.webhookUrl ?? '' })),
    ];
    const mode: Mode = pluginUrls.length > 0 ? { kind: 'plugin' } : ours[0] ? { kind: 'integration', app: ours[0] } : null;
    return {
      result: c.skip(t('doctor.sentry.noPublicUrl', { seen: seen.length ? `; ${seen.join('; ')}` : '' })),
      mode,
    };
  }

  const expectedPlugin = pluginCallbackUrl(s.publicUrl, s.webhookSecret);
  const expectedIntegration = joinUrl(s.publicUrl, WEBHOOK_PATH);
  if (pluginUrls.some((u) => sameUrl(u, expectedPlugin))) {
    return { result: c.ok(t('doctor.sentry.pluginOk', { org, project, url: masked(expectedPlugin) })), mode: { kind: 'plugin' } };
  }
  const app = apps.find((a) => sameUrl(a.webhookUrl, expectedIntegration));
  if (app) {
    return { result: c.ok(t('doctor.sentry.appOk', { name: app.name, url: expectedIntegration })), mode: { kind: 'integration', app } };
  }

  const setupFix = t('doctor.sentry.setupFix');
  const sameBase = pluginUrls.find((u) => u.startsWith(`${expectedIntegration}/`) || sameUrl(u, expectedIntegration));
  if (sameBase !== undefined) {
    return {
      result: c.fail(
        t('doctor.sentry.pluginToken', { url: masked(sameBase) }),
        t('doctor.sentry.pluginTokenFix', { setupFix }),
      ),
      mode: { kind: 'plugin' },
    };
  }
  if (pluginUrls.length > 0) {
    return {
      result: c.fail(
        t('doctor.sentry.pluginElsewhere', { urls: pluginUrls.map(masked).join(', '), url: masked(expectedPlugin) }),
        t('doctor.sentry.movedFix', { setupFix }),
      ),
      mode: { kind: 'plugin' },
    };
  }
  if (ours.length > 0) {
    return {
      result: c.fail(
        t('doctor.sentry.appElsewhere', { name: ours[0]!.name, actual: String(ours[0]!.webhookUrl), url: expectedIntegration }),
        t('doctor.sentry.appElsewhereFix', { name: ours[0]!.name }),
      ),
      mode: { kind: 'integration', app: ours[0]! },
    };
  }
  const unread = readErrors.length > 0 ? t('doctor.sentry.unread', { errors: readErrors.join('; ') }) : '';
  return {
    result: c.fail(t('doctor.sentry.neither', { url: expectedIntegration, unread }), setupFix),
    mode: null,
  };
}

async function checkRule(api: SentryApi, org: string, project: string, mode: Mode, c: ReturnType<typeof checker>, t: CliText): Promise<CheckResult> {
  if (mode === null) return c.skip(t('doctor.sentry.needsWebhook'));
  const service = mode.kind === 'plugin' ? 'webhooks' : mode.app.slug;
  const target = mode.kind === 'plugin' ? t('doctor.sentry.targetPlugin') : t('doctor.sentry.targetApp', { name: mode.app.name });
  let rules;
  try {
    rules = await api.listRules(org, project);
  } catch (err) {
    const f = failure(err, t);
    return c.fail(t('doctor.sentry.rulesUnread', { org, project, error: f.detail }), f.fix);
  }
  const sending = rules.filter((r) => r.actions.some((a) => a.id === NOTIFY_SERVICE && a.service === service));
  if (sending.length === 0) {
    return c.fail(
      t('doctor.sentry.noRule', { org, project, target }),
      t('doctor.sentry.noRuleFix', { service }),
    );
  }
  if (mode.kind === 'integration' && !mode.app.isAlertable) {
    return c.warn(
      t('doctor.sentry.notAlertable', { rule: sending[0]!.name, target }),
      t('doctor.sentry.notAlertableFix', { name: mode.app.name }),
    );
  }
  // Two of setup's own rules (an older run added one per changed answer) mean doubled alerts.
  const ownRules = sending.filter((r) => r.name.startsWith('sentry-tg:'));
  if (ownRules.length > 1) {
    return c.warn(
      t('doctor.sentry.twoRules', { n: ownRules.length, target, rules: ownRules.map((r) => `"${r.name}" (#${r.id})`).join(', ') }),
      t('doctor.sentry.twoRulesFix'),
    );
  }
  return c.ok(t(sending.length > 1 ? 'doctor.sentry.rulesOk' : 'doctor.sentry.ruleOk', { rules: sending.map((r) => `"${r.name}"`).join(', '), target }));
}

function checkSecret(env: DoctorEnv, mode: Mode, c: ReturnType<typeof checker>, granted: string[] | null, t: CliText): CheckResult {
  if (mode === null) return c.skip(t('doctor.sentry.needsWebhook'));
  if (mode.kind === 'plugin') {
    return c.skip(t('doctor.sentry.pluginNoSecret'));
  }
  const ours = env.loaded.settings.webhookSecret;
  if (ours === undefined) return c.skip(t('doctor.sentry.secretUnset'));
  const where = `Sentry → Settings → Developer Settings → ${mode.app.name}`;
  if (mode.app.clientSecret === null && granted !== null && !scopeSatisfies(granted, 'org:write')) {
    // Sentry hides the secret from a token without org:write, whatever the integration's age.
    return c.warn(
      t('doctor.sentry.secretHidden', { name: mode.app.name }),
      t('doctor.sentry.secretHiddenFix', { url: env.loaded.settings.sentryUrl, where }),
    );
  }
  if (mode.app.clientSecret === null) {
    // Sentry shows the client secret only during the integration's first day.
    return c.skip(
      t('doctor.sentry.secretGone', { name: mode.app.name }),
      t('doctor.sentry.secretGoneFix', { where }),
    );
  }
  if (mode.app.clientSecret !== ours) {
    return c.fail(
      t('doctor.sentry.secretDiffers', { name: mode.app.name }),
      t('doctor.sentry.secretDiffersFix', { where }),
    );
  }
  return c.ok(t('doctor.sentry.secretOk', { name: mode.app.name }));
}
