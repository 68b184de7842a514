// Registering the receiver in Sentry, idempotently: read what is there, change only what is not
// right yet. Plugin mode: enable the WebHooks plugin, put our callback URL among the others,
// and an alert rule. Integration mode: find or create the internal integration, point it at
// us, and an alert rule that uses it. The pure helpers decide; the async ones call the API.
import { WEBHOOK_PATH } from '../../receive/verify.js';
import type { NewIssueAlertRule, RuleNode, SentryApi, SentryApp, SentryAppPatch, SentryRule } from '../../sentry/api.js';
import { UserError } from '../../errors.js';
import { registerSecret } from '../../log/redact.js';
import { pickApp, type OwnApp } from './own-app.js';
import { APP_NAME, type Changes } from './session.js';

export const FIRST_SEEN = 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition';
export const REGRESSION = 'sentry.rules.conditions.regression_event.RegressionEventCondition';
export const EVENT_FREQUENCY = 'sentry.rules.conditions.event_frequency.EventFrequencyCondition';
export const NOTIFY_SERVICE = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';
/** Sentry's default: at most one notification per issue every 30 minutes. */
const RULE_FREQUENCY_MINUTES = 30;

export const APP_EVENTS = ['issue'];
export const APP_SCOPES = ['event:read'];

// ---- callback URLs (plugin) ----------------------------------------------------------------

const OUR_PATH = new RegExp(`${WEBHOOK_PATH.replace(/\//g, '\\/')}(\\/[^/]*)?\\/?$`);
/** ngrok's free and paid tunnel domains: such a URL is gone once its tunnel closes. */
const TUNNEL_HOST = /\.(ngrok-free\.app|ngrok-free\.dev|ngrok\.app|ngrok\.dev|ngrok\.io)$/i;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The base a sentry-tg callback URL was built from (origin + path prefix), or null. */
function receiverBase(url: string): string | null {
  const u = parse(url);
  if (!u) return null;
  const m = OUR_PATH.exec(u.pathname);
  return m ? u.origin + u.pathname.slice(0, m.index) : null;
}

export interface UrlMerge {
  urls: string[];
  /** Older sentry-tg URLs of this receiver (same base, or a dead tunnel) that we replace. */
  replaced: string[];
  /** sentry-tg URLs of some other receiver: kept, but worth a word. */
  otherReceivers: string[];
  changed: boolean;
}

/** Our callback URL among the plugin's URLs: others stay, our older ones go. Pure. */
export function mergeCallbackUrls(existing: readonly string[], ours: string): UrlMerge {
  const ourBase = receiverBase(ours);
  const urls: string[] = [];
  const replaced: string[] = [];
  const otherReceivers: string[] = [];
  for (const url of existing) {
    if (url === ours) {
      if (!urls.includes(url)) urls.push(url);
      continue;
    }
    const base = receiverBase(url);
    const host = parse(url)?.hostname ?? '';
    if (base !== null && (base === ourBase || TUNNEL_HOST.test(host))) {
      replaced.push(url);
    } else {
      if (base !== null) otherReceivers.push(url);
      if (!urls.includes(url)) urls.push(url);
    }
  }
  if (!urls.includes(ours)) urls.push(ours);
  const changed = urls.length !== existing.length || urls.some((u, i) => u !== existing[i]);
  return { urls, replaced, otherReceivers, changed };
}

// ---- the alert rule ----------------------------------------------------------------------

export function ruleName(frequency: boolean): string {
  return frequency ? 'sentry-tg: new, regressed or frequent issues' : 'sentry-tg: new or regressed issues';
}

export function desiredRule(service: string, frequency: boolean): NewIssueAlertRule {
  const conditions: RuleNode[] = [{ id: FIRST_SEEN }, { id: REGRESSION }];
  if (frequency) conditions.push({ id: EVENT_FREQUENCY, value: 10, interval: '1m' });
  return {
    name: ruleName(frequency),
    frequency: RULE_FREQUENCY_MINUTES,
    actionMatch: 'any',
    conditions,
    actions: [{ id: NOTIFY_SERVICE, service }],
  };
}

function nodeKey(n: RuleNode): string {
  const parts = [n.id];
  if (n.value !== undefined) parts.push(String(n.value));
  if (n.interval !== undefined) parts.push(String(n.interval));
  return parts.join('|');
}

export function sendsTo(rule: Pick<SentryRule, 'actions'>, service: string): boolean {
  return rule.actions.some((a) => a.id === NOTIFY_SERVICE && a.service === service);
}

/**
 * A rule that already does our job: fires on the same conditions (any of them), has no
 * filters, no environment, and notifies our service (other actions may ride along). Pure.
 */
export function isEquivalentRule(rule: SentryRule, want: NewIssueAlertRule, service: string): boolean {
  if (!sendsTo(rule, service)) return false;
  if (rule.actionMatch !== want.actionMatch) return false;
  if (rule.filters.length > 0 || rule.environment) return false;
  const a = rule.conditions.map(nodeKey).sort();
  const b = want.conditions.map(nodeKey).sort();
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** `frequency: 'any'` accepts an existing rule with or without the frequency condition. */
export type FrequencyWish = boolean | 'any';

export function findEquivalentRule(rules: readonly SentryRule[], service: string, frequency: FrequencyWish): SentryRule | undefined {
  const variants = frequency === 'any' ? [false, true] : [frequency];
  for (const f of variants) {
    const want = desiredRule(service, f);
    const hit = rules.find((r) => isEquivalentRule(r, want, service));
    if (hit) return hit;
  }
  return undefined;
}

/** sentry-tg's rules are named "sentry-tg: …": the name is the marker that finds them again. */
export const RULE_MARKER = 'sentry-tg:';

/** The rule an earlier run created for this service, to change in place. Pure. */
export function ownRule(rules: readonly SentryRule[], service: string): SentryRule | undefined {
  return rules.find((r) => r.name.startsWith(RULE_MARKER) && sendsTo(r, service));
}

/** Whether an earlier run asked for the frequency condition (the default of the question). Pure. */
export function hadFrequency(rules: readonly SentryRule[]): boolean {
  return rules.some((r) => r.name.startsWith(RULE_MARKER) && r.conditions.some((c) => c.id === EVENT_FREQUENCY));
}

export interface RuleOutcome {
  id: string;
  name: string;
  created: boolean;
  /** An earlier sentry-tg rule was changed to the new answers. */
  updated?: boolean;
}

export async function ensureRule(
  api: SentryApi,
  where: { org: string; project: string },
  service: string,
  frequency: FrequencyWish,
  changes: Changes,
  say: (line: string) => void,
): Promise<RuleOutcome> {
  const rules = await api.listRules(where.org, where.project);
  const existing = findEquivalentRule(rules, service, frequency);
  // Answers changed: our own rule is rewritten in place, never joined by a second one.
  const own = existing ? undefined : ownRule(rules, service);
  const kept = existing ?? own;
  const others = rules.filter((r) => sendsTo(r, service) && r !== kept);
  for (const r of others) say(`Alert rule "${r.name}" (#${r.id}) also notifies "${service}": delete it in Sentry if it is an older sentry-tg rule.`);
  if (existing) return { id: existing.id, name: existing.name, created: false };
  const want = desiredRule(service, frequency === true);
  if (own) {
    const updated = await api.updateRule(where.org, where.project, own.id, want);
    changes.remote.push(`Sentry: updated alert rule "${own.name}" (#${own.id}) in ${where.org}/${where.project} → "${updated.name}"`);
    return { id: updated.id, name: updated.name, created: false, updated: true };
  }
  const result = await api.createRule(where.org, where.project, want);
  if (result.created) {
    changes.remote.push(`Sentry: created alert rule "${result.name}" (#${result.id}) in ${where.org}/${where.project} → ${service}`);
  }
  return { id: result.id, name: result.name || want.name, created: result.created };
}

// ---- plugin mode ---------------------------------------------------------------------------

export interface PluginOutcome {
  enabled: 'now' | 'already';
  urls: UrlMerge;
  rule: RuleOutcome;
}

export async function registerPlugin(
  api: SentryApi,
  where: { org: string; project: string },
  callbackUrl: string,
  frequency: FrequencyWish,
  changes: Changes,
  say: (line: string) => void,
): Promise<PluginOutcome> {
  const ref = `${where.org}/${where.project}`;
  const plugin = await api.getWebhooksPlugin(where.org, where.project);
  let enabled: PluginOutcome['enabled'] = 'already';
  if (!plugin.enabled) {
    await api.enableWebhooksPlugin(where.org, where.project);
    enabled = 'now';
    changes.remote.push(`Sentry: enabled the WebHooks plugin in ${ref}`);
  }
  const merge = mergeCallbackUrls(plugin.urls, callbackUrl);
  if (merge.changed) {
    await api.setWebhookUrls(where.org, where.project, merge.urls);
    const kept = merge.urls.length - 1;
    const notes = [
      merge.replaced.length > 0 ? `replaced ${merge.replaced.length} older sentry-tg URL${merge.replaced.length > 1 ? 's' : ''}` : '',
      kept > 0 ? `kept ${kept} other URL${kept > 1 ? 's' : ''}` : '',
    ].filter(Boolean);
    changes.remote.push(`Sentry: set the WebHooks callback URL in ${ref}${notes.length ? ` (${notes.join(', ')})` : ''}`);
  }
  for (const u of merge.otherReceivers) say(`The WebHooks plugin also calls another sentry-tg receiver: ${u}`);
  const rule = await ensureRule(api, where, 'webhooks', frequency, changes, say);
  return { enabled, urls: merge, rule };
}

// ---- integration mode -----------------------------------------------------------------------

/** What an existing app needs to become right (empty = nothing). Pure. */
export function appPatch(app: SentryApp, webhookUrl: string): SentryAppPatch {
  const patch: SentryAppPatch = {};
  if (app.webhookUrl !== webhookUrl) patch.webhookUrl = webhookUrl;
  if (!app.isAlertable) patch.isAlertable = true;
  const missingScopes = APP_SCOPES.filter((sc) => !app.scopes.includes(sc));
  // Scopes first: Sentry refuses events whose permission the app does not have.
  if (missingScopes.length > 0) patch.scopes = [...app.scopes, ...missingScopes];
  const missingEvents = APP_EVENTS.filter((e) => !app.events.includes(e));
  if (missingEvents.length > 0) patch.events = [...app.events, ...missingEvents];
  return patch;
}

export interface IntegrationOutcome {
  app: SentryApp;
  action: 'created' | 'updated' | 'unchanged';
  /** The client secret when Sentry showed it (a new app, or one less than a day old). */
  secret: string | null;
  rule: RuleOutcome;
}

export async function registerIntegration(
  api: SentryApi,
  where: { org: string; project: string },
  webhookUrl: string,
  frequency: FrequencyWish,
  changes: Changes,
  say: (line: string) => void,
  own: OwnApp = {},
  onCreated: (app: SentryApp) => void = () => undefined,
): Promise<IntegrationOutcome> {
  const existing = pickApp(await api.listSentryApps(where.org), { ...own, webhookUrl });
  let app: SentryApp;
  let action: IntegrationOutcome['action'];
  if (existing) {
    const patch = appPatch(existing, webhookUrl);
    if (Object.keys(patch).length > 0) {
      app = await api.updateSentryApp(existing.slug, patch);
      action = 'updated';
      changes.remote.push(`Sentry: updated internal integration "${app.slug}" (${Object.keys(patch).join(', ')})`);
    } else {
      app = existing;
      action = 'unchanged';
    }
  } else {
    app = await api.createInternalIntegration({
      org: where.org,
      name: APP_NAME,
      webhookUrl,
      events: APP_EVENTS,
      scopes: APP_SCOPES,
      isAlertable: true,
    });
    action = 'created';
    onCreated(app);
    changes.remote.push(`Sentry: created internal integration "${app.slug}" in ${where.org} (webhook ${webhookUrl}, issue events, alert rule action)`);
    if (!app.clientSecret) {
      throw new UserError(
        `Sentry created integration "${app.slug}" but did not show its client secret.`,
        `Copy it from ${api.baseUrl}/settings/${where.org}/developer-settings/${app.slug}/ and run setup again with --webhook-secret.`,
      );
    }
  }
  if (app.clientSecret) registerSecret(app.clientSecret);
  const rule = await ensureRule(api, where, app.slug, frequency, changes, say);
  return { app, action, secret: app.clientSecret ?? existing?.clientSecret ?? null, rule };
}
