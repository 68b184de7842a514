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

function failure(err: unknown): { detail: string; fix: string } {
  if (err instanceof SentryApiError) return { detail: messageOf(err), fix: err.hint };
  return { detail: messageOf(err), fix: 'Run again with --debug and report this if it persists' };
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
  const token = checker('sentry-token', 'Sentry auth token');
  const scopes = checker('sentry-scopes', 'Sentry token scopes');
  const project = checker('sentry-project', 'Sentry organisation and project');
  const webhook = checker('sentry-webhook', 'Sentry webhook');
  const rule = checker('sentry-rule', 'Sentry alert rule');
  const secret = checker('sentry-secret', 'Sentry integration secret');
  const skipRest = (reason: string, from: number) =>
    [token, scopes, project, webhook, rule, secret].slice(from).map((c) => c.skip(reason));

  if (s.sentryAuthToken === undefined) {
    return skipRest('SENTRY_AUTH_TOKEN is not set, so Sentry cannot be checked', 0);
  }
  const api = createSentryApi({ baseUrl: s.sentryUrl, token: s.sentryAuthToken, fetch: env.fetch, now: env.now, timeoutMs: env.timeoutMs });
  const results: CheckResult[] = [];
  let granted: string[] | null = null;

  try {
    const me = await api.whoami();
    granted = me.scopes;
    if (me.user === undefined) {
      return [token.fail(`${api.baseUrl} did not accept the token`, `Create a token at ${api.baseUrl}/settings/account/api/auth-tokens/ and set SENTRY_AUTH_TOKEN`), ...skipRest('needs a valid Sentry token', 1)];
    }
    results.push(token.ok(`valid for ${me.user.email || me.user.username} at ${api.baseUrl}`));
    if (me.scopes === null) {
      results.push(scopes.warn('Sentry did not say which scopes the token has', 'Use a personal token with org:read, project:read and alerts:read'));
    } else {
      const missing = missingScopes(me.scopes, neededCalls(env));
      if (missing.length > 0) {
        const names = [...new Set(missing.map((m) => REQUIRED_SCOPES[m][0]!))];
        results.push(
          scopes.fail(
            `the token lacks ${names.join(', ')} (needed to ${missing.map(describeCall).join(', ')})`,
            `Create a token with ${[...new Set(['org:read', 'project:read', 'alerts:read', ...names])].join(', ')} at ${api.baseUrl}/settings/account/api/auth-tokens/ and set SENTRY_AUTH_TOKEN`,
          ),
        );
      } else {
        results.push(scopes.ok(`enough for what is configured (${me.scopes.join(', ') || 'none'})`));
      }
    }
  } catch (err) {
    const f = failure(err);
    return [token.fail(f.detail, f.fix), ...skipRest('needs a valid Sentry token', 1)];
  }

  if (s.sentryOrg === undefined || s.sentryProject === undefined) {
    const name = s.sentryOrg === undefined ? 'SENTRY_ORG' : 'SENTRY_PROJECT';
    return [
      ...results,
      project.fail(`${name} is not set`, `Set ${name} to the slug from your Sentry URL (…/organizations/<org>/projects/<project>/), or run \`sentry-tg setup\``),
      ...skipRest('needs SENTRY_ORG and SENTRY_PROJECT', 3),
    ];
  }
  const org = s.sentryOrg;
  // SENTRY_PROJECT may list several projects (the receiver's scope): the first is checked here.
  const slug = s.sentryProject.split(/[\s,]+/).find(Boolean) ?? s.sentryProject;
  try {
    const p = await api.getProject(org, slug);
    results.push(project.ok(`${org}/${p.slug}${p.platform ? ` (${p.platform})` : ''}`));
  } catch (err) {
    const f = failure(err);
    return [...results, project.fail(`${org}/${slug}: ${f.detail}`, f.fix), ...skipRest('needs the project', 3)];
  }

  const { result: webhookResult, mode } = await checkWebhook(env, api, org, slug, webhook);
  results.push(webhookResult);
  if (mode?.kind === 'integration') findings.subscribed = [...mode.app.events];
  results.push(await checkRule(api, org, slug, mode, rule));
  results.push(checkSecret(env, mode, secret, granted));
  return results;
}

function describeCall(m: SentryApiMethod): string {
  const words: Partial<Record<SentryApiMethod, string>> = {
    getProject: 'read the project',
    getWebhooksPlugin: 'read the WebHooks plugin',
    listRules: 'list alert rules',
    listSentryApps: 'list integrations',
    updateIssue: 'resolve and archive issues from the buttons',
  };
  return words[m] ?? m;
}

async function checkWebhook(
  env: DoctorEnv,
  api: SentryApi,
  org: string,
  project: string,
  c: ReturnType<typeof checker>,
): Promise<{ result: CheckResult; mode: Mode }> {
  const s = env.loaded.settings;
  // Both ways are looked at; one that cannot be read is reported only if the other is not right.
  let plugin: WebhooksPlugin | null = null;
  let apps: SentryApp[] = [];
  const readErrors: string[] = [];
  try {
    plugin = await api.getWebhooksPlugin(org, project);
  } catch (err) {
    readErrors.push(`WebHooks plugin: ${failure(err).detail}`);
  }
  try {
    apps = await api.listSentryApps(org);
  } catch (err) {
    readErrors.push(`integrations: ${failure(err).detail}`);
  }
  const ours = apps.filter((a) => a.webhookUrl?.replace(/\/+$/, '').endsWith(WEBHOOK_PATH));
  const pluginUrls = plugin?.enabled ? plugin.urls : [];

  if (s.publicUrl === undefined) {
    // Without the public URL the expected address is unknown: say what Sentry calls.
    const seen = [
      ...pluginUrls.map((u) => `the WebHooks plugin calls ${masked(u)}`),
      ...ours.map((a) => `integration "${a.name}" calls ${a.webhookUrl}`),
    ];
    const mode: Mode = pluginUrls.length > 0 ? { kind: 'plugin' } : ours[0] ? { kind: 'integration', app: ours[0] } : null;
    return {
      result: c.skip(`PUBLIC_URL is not set, so the expected URL is unknown${seen.length ? `; ${seen.join('; ')}` : ''}`),
      mode,
    };
  }

  const expectedPlugin = pluginCallbackUrl(s.publicUrl, s.webhookSecret);
  const expectedIntegration = joinUrl(s.publicUrl, WEBHOOK_PATH);
  if (pluginUrls.some((u) => sameUrl(u, expectedPlugin))) {
    return { result: c.ok(`the WebHooks plugin of ${org}/${project} calls ${masked(expectedPlugin)}`), mode: { kind: 'plugin' } };
  }
  const app = apps.find((a) => sameUrl(a.webhookUrl, expectedIntegration));
  if (app) {
    return { result: c.ok(`internal integration "${app.name}" calls ${expectedIntegration}`), mode: { kind: 'integration', app } };
  }

  const setupFix = 'Run `sentry-tg setup` to register the receiver in Sentry';
  const sameBase = pluginUrls.find((u) => u.startsWith(`${expectedIntegration}/`) || sameUrl(u, expectedIntegration));
  if (sameBase !== undefined) {
    return {
      result: c.fail(
        `the WebHooks plugin calls ${masked(sameBase)}, but its URL token does not match SENTRY_WEBHOOK_SECRET: the receiver will refuse Sentry with 401 Invalid signature`,
        `${setupFix}, or put the callback URL that \`sentry-tg serve\` prints into Sentry → Project Settings → Legacy Integrations → WebHooks`,
      ),
      mode: { kind: 'plugin' },
    };
  }
  if (pluginUrls.length > 0) {
    return {
      result: c.fail(
        `the WebHooks plugin calls ${pluginUrls.map(masked).join(', ')}, not ${masked(expectedPlugin)}`,
        `${setupFix}, or correct PUBLIC_URL if the receiver moved`,
      ),
      mode: { kind: 'plugin' },
    };
  }
  if (ours.length > 0) {
    return {
      result: c.fail(
        `integration "${ours[0]!.name}" calls ${ours[0]!.webhookUrl}, not ${expectedIntegration}`,
        `Set its Webhook URL in Sentry → Settings → Developer Settings → ${ours[0]!.name}, or run \`sentry-tg setup\``,
      ),
      mode: { kind: 'integration', app: ours[0]! },
    };
  }
  const unread = readErrors.length > 0 ? ` (could not read: ${readErrors.join('; ')})` : '';
  return {
    result: c.fail(`neither the WebHooks plugin nor an internal integration calls ${expectedIntegration}${unread}`, setupFix),
    mode: null,
  };
}

async function checkRule(api: SentryApi, org: string, project: string, mode: Mode, c: ReturnType<typeof checker>): Promise<CheckResult> {
  if (mode === null) return c.skip('needs the webhook registered first');
  const service = mode.kind === 'plugin' ? 'webhooks' : mode.app.slug;
  const target = mode.kind === 'plugin' ? 'the WebHooks plugin' : `integration "${mode.app.name}"`;
  let rules;
  try {
    rules = await api.listRules(org, project);
  } catch (err) {
    const f = failure(err);
    return c.fail(`cannot list the alert rules of ${org}/${project}: ${f.detail}`, f.fix);
  }
  const sending = rules.filter((r) => r.actions.some((a) => a.id === NOTIFY_SERVICE && a.service === service));
  if (sending.length === 0) {
    return c.fail(
      `no alert rule of ${org}/${project} sends to ${target}, so Sentry never calls the receiver`,
      `Run \`sentry-tg setup\`, or in Sentry → Alerts → Create Alert → Issues add the action "Send a notification via ${service}"`,
    );
  }
  if (mode.kind === 'integration' && !mode.app.isAlertable) {
    return c.warn(
      `rule "${sending[0]!.name}" names ${target}, but the integration is not alertable`,
      `Turn on "Alert Rule Action" in Sentry → Settings → Developer Settings → ${mode.app.name}`,
    );
  }
  // Two of setup's own rules (an older run added one per changed answer) mean doubled alerts.
  const ownRules = sending.filter((r) => r.name.startsWith('sentry-tg:'));
  if (ownRules.length > 1) {
    return c.warn(
      `${ownRules.length} sentry-tg rules send to ${target}: ${ownRules.map((r) => `"${r.name}" (#${r.id})`).join(', ')}; an issue can be announced twice`,
      `Delete all but one in Sentry → Alerts, or run \`sentry-tg setup\` again (it keeps one and updates it)`,
    );
  }
  return c.ok(`rule${sending.length > 1 ? 's' : ''} ${sending.map((r) => `"${r.name}"`).join(', ')} send${sending.length > 1 ? '' : 's'} to ${target}`);
}

function checkSecret(env: DoctorEnv, mode: Mode, c: ReturnType<typeof checker>, granted: string[] | null): CheckResult {
  if (mode === null) return c.skip('needs the webhook registered first');
  if (mode.kind === 'plugin') {
    return c.skip('the WebHooks plugin has no client secret: the URL token (checked above) authenticates Sentry');
  }
  const ours = env.loaded.settings.webhookSecret;
  if (ours === undefined) return c.skip('SENTRY_WEBHOOK_SECRET is not set, so signatures are not checked');
  const where = `Sentry → Settings → Developer Settings → ${mode.app.name}`;
  if (mode.app.clientSecret === null && granted !== null && !scopeSatisfies(granted, 'org:write')) {
    // Sentry hides the secret from a token without org:write, whatever the integration's age.
    return c.warn(
      `the token lacks org:write, so Sentry does not show the client secret of "${mode.app.name}" and it cannot be compared`,
      `Use a token with org:write (setup needs it too) at ${env.loaded.settings.sentryUrl}/settings/account/api/auth-tokens/, or check by hand in ${where}`,
    );
  }
  if (mode.app.clientSecret === null) {
    // Sentry shows the client secret only during the integration's first day.
    return c.skip(
      `Sentry no longer shows the client secret of "${mode.app.name}" (it does only during the integration's first day), so it cannot be compared`,
      `To check by hand: send a test notification from the alert rule and watch the serve log; "401 Invalid signature" means the secrets differ. ` +
        `Then use "Rotate client secret" in ${where} and put the new one in SENTRY_WEBHOOK_SECRET`,
    );
  }
  if (mode.app.clientSecret !== ours) {
    return c.fail(
      `SENTRY_WEBHOOK_SECRET differs from the client secret of "${mode.app.name}": the receiver will refuse Sentry with 401 Invalid signature`,
      `Copy the Client Secret from ${where} into SENTRY_WEBHOOK_SECRET and restart \`sentry-tg serve\``,
    );
  }
  return c.ok(`SENTRY_WEBHOOK_SECRET matches the client secret of "${mode.app.name}"`);
}
