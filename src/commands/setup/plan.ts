// The plan: what the work phase will do, from the answers and a read-only look at Sentry and
// the env file. Printed before any change; `--dry-run` stops after it.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { mergeEnv, type EnvUpdates } from '../../config/env-file.js';
import { pluginCallbackUrl, WEBHOOK_PATH } from '../../receive/verify.js';
import type { SentryApp, SentryRule, WebhooksPlugin } from '../../sentry/api.js';
import type { ChatAnswer } from './chat.js';
import type { PublicChoice } from './public-url.js';
import { findEquivalentRule, mergeCallbackUrls, appPatch, ownRule, ruleName, type FrequencyWish } from './register.js';
import type { SentryAnswer } from './sentry.js';
import type { IntegrationSecret } from './own-app.js';
import type { Session } from './session.js';
import { joinUrl } from './url-check.js';

export interface PlanInput {
  botHandle: string;
  chat: ChatAnswer;
  pub: PublicChoice;
  listen: string;
  sentry: Pick<SentryAnswer, 'mode' | 'org' | 'project'>;
  frequency: FrequencyWish;
  /** Plugin mode: the plugin as it is now, and the callback URL (null until a tunnel opens). */
  plugin?: { state: WebhooksPlugin; callbackUrl: string | null };
  /** Integration mode: the existing app, if any. */
  app?: SentryApp;
  /** Rules of the project now, to tell "create" from "reuse". */
  rules: SentryRule[];
  /** Further projects of a comma-separated SENTRY_PROJECT. */
  moreProjects?: string[];
  env: { name: string; added: string[]; updated: string[]; removed: string[]; /** A file is there now (so a backup is made). */ existed?: boolean };
  serve: boolean;
}

/** The plan as lines for people; pure. */
export function planLines(p: PlanInput): string[] {
  const lines: string[] = [];
  const ref = `${p.sentry.org}/${p.sentry.project}`;
  lines.push(`Telegram: send a confirmation message to ${p.chat.label} from ${p.botHandle}`);
  if (p.pub.kind === 'tunnel') lines.push(`Tunnel: open an ngrok tunnel to ${p.listen}`);
  if (p.pub.kind !== 'none') {
    const base = p.pub.kind === 'url' ? p.pub.url : '<tunnel URL>';
    lines.push(`Receiver: start it on ${p.listen} and check that ${base}/health reaches it`);
    const service = p.sentry.mode === 'plugin' ? 'webhooks' : p.app?.slug;
    if (p.sentry.mode === 'plugin' && p.plugin) {
      lines.push(p.plugin.state.enabled ? `Sentry: the WebHooks plugin in ${ref} is enabled (no change)` : `Sentry: enable the WebHooks plugin in ${ref}`);
      if (p.plugin.callbackUrl) {
        const merge = mergeCallbackUrls(p.plugin.state.urls, p.plugin.callbackUrl);
        const kept = merge.urls.length - 1;
        lines.push(
          merge.changed
            ? `Sentry: add callback URL ${p.plugin.callbackUrl}` +
                (merge.replaced.length ? `, replacing ${merge.replaced.length} older sentry-tg URL(s)` : '') +
                (kept > 0 ? `, keeping ${kept} other URL(s)` : '')
            : 'Sentry: the callback URL is already set (no change)',
        );
      } else {
        lines.push(`Sentry: set the callback URL <tunnel URL>${WEBHOOK_PATH}/… (older sentry-tg URLs replaced, others kept)`);
      }
    } else if (p.sentry.mode === 'integration') {
      if (!p.app) {
        lines.push(`Sentry: create internal integration "sentry-tg" in ${p.sentry.org} (issue events, alert rule action, webhook ${base}${WEBHOOK_PATH})`);
      } else if (p.pub.kind === 'url') {
        const patch = appPatch(p.app, joinUrl(p.pub.url, WEBHOOK_PATH));
        lines.push(
          Object.keys(patch).length > 0
            ? `Sentry: update internal integration "${p.app.slug}" (${Object.keys(patch).join(', ')})`
            : `Sentry: internal integration "${p.app.slug}" is already right (no change)`,
        );
      } else {
        lines.push(`Sentry: point internal integration "${p.app.slug}" at <tunnel URL>${WEBHOOK_PATH}`);
      }
    }
    const existing = service ? findEquivalentRule(p.rules, service, p.frequency) : undefined;
    const own = service && !existing ? ownRule(p.rules, service) : undefined;
    lines.push(
      existing
        ? `Sentry: reuse alert rule "${existing.name}" (#${existing.id}) in ${ref} (no change)`
        : own
          ? `Sentry: update alert rule "${own.name}" (#${own.id}) in ${ref} in place: first seen or regression${p.frequency === true ? ' or >10 events in 1m' : ''}`
          : `Sentry: create alert rule "${ruleName(p.frequency === true)}" in ${ref}: first seen or regression${p.frequency === true ? ' or >10 events in 1m' : ''} → ${service ?? 'the new integration'}`,
    );
    for (const project of p.moreProjects ?? []) {
      lines.push(`Sentry: ${p.sentry.org}/${project}: the same alert rule${p.sentry.mode === 'plugin' ? ' and WebHooks callback URL' : ''} (created, or kept when already there)`);
    }
  } else {
    lines.push('Sentry: no change (no public URL): the callback URL and the manual steps are printed at the end');
  }
  const envParts = [
    p.env.added.length ? `add ${p.env.added.join(', ')}` : '',
    p.env.updated.length ? `update ${p.env.updated.join(', ')}` : '',
    p.env.removed.length ? `remove ${p.env.removed.join(', ')}` : '',
  ].filter(Boolean);
  const backup = p.env.existed === false ? 'new file' : 'old file backed up';
  lines.push(`${p.env.name}: ${envParts.length ? `${envParts.join('; ')} (${backup}, mode 0600, git-ignored inside a repository)` : 'no change'}`);
  if (p.pub.kind !== 'none') {
    lines.push(
      p.sentry.mode === 'plugin'
        ? 'Proof: ask Sentry to send the WebHooks plugin test alert and wait for it in Telegram'
        : 'Proof: send a signed test alert through the public URL and wait for it in Telegram',
    );
    lines.push(p.serve ? 'Then: keep serving until Ctrl-C' : 'Then: stop and print the `sentry-tg serve` command');
  }
  return lines;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Reads what the plan needs (never writes) and returns its input. */
export async function gatherPlan(
  s: Session,
  a: {
    botHandle: string;
    chat: ChatAnswer;
    pub: PublicChoice;
    sentry: SentryAnswer;
    secret: string | undefined;
    integration?: IntegrationSecret;
    frequency: FrequencyWish;
    updates: EnvUpdates;
  },
): Promise<PlanInput> {
  const { api, org, project, mode } = a.sentry;
  const listen = `${s.settings.host}:${s.settings.port}`;
  let plugin: PlanInput['plugin'];
  let rules: SentryRule[] = [];
  if (a.pub.kind !== 'none') {
    if (mode === 'plugin') {
      const state = await api.getWebhooksPlugin(org, project);
      const callbackUrl = a.pub.kind === 'url' ? pluginCallbackUrl(a.pub.url, a.secret) : null;
      plugin = { state, callbackUrl };
    }
    rules = await api.listRules(org, project);
  }
  const current = await readText(s.envPath);
  const merged = mergeEnv(current, a.updates);
  const input: PlanInput = {
    botHandle: a.botHandle,
    chat: a.chat,
    pub: a.pub,
    listen,
    sentry: { mode, org, project },
    frequency: a.frequency,
    rules,
    env: { name: relative(s.ctx.cwd, s.envPath) || s.envPath, added: merged.added, updated: merged.updated, removed: merged.removed, existed: current !== null },
    serve: s.flags.serve !== false,
  };
  if (a.sentry.moreProjects.length > 0) input.moreProjects = a.sentry.moreProjects;
  if (plugin) input.plugin = plugin;
  if (a.integration?.app) input.app = a.integration.app;
  return input;
}

export function printPlan(s: Session, lines: string[]): void {
  s.ctx.out.plain('');
  s.ctx.out.plain(`${s.t('setup.plan')}:`);
  lines.forEach((l, i) => s.ctx.out.plain(`  ${i + 1}. ${l}`));
  s.ctx.out.plain('');
}
