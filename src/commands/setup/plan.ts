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
import { cliText, type CliText } from '../../i18n/cli.js';

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
export function planLines(p: PlanInput, t: CliText = cliText('en')): string[] {
  const lines: string[] = [];
  const ref = `${p.sentry.org}/${p.sentry.project}`;
  lines.push(t('setup.plan.telegram', { chat: p.chat.label, bot: p.botHandle }));
  if (p.pub.kind === 'tunnel') lines.push(t('setup.plan.tunnel', { listen: p.listen }));
  if (p.pub.kind !== 'none') {
    const base = p.pub.kind === 'url' ? p.pub.url : t('setup.plan.tunnelUrl');
    lines.push(t('setup.plan.receiver', { listen: p.listen, base }));
    const service = p.sentry.mode === 'plugin' ? 'webhooks' : p.app?.slug;
    if (p.sentry.mode === 'plugin' && p.plugin) {
      lines.push(p.plugin.state.enabled ? t('setup.plan.pluginEnabled', { ref }) : t('setup.plan.pluginEnable', { ref }));
      if (p.plugin.callbackUrl) {
        const merge = mergeCallbackUrls(p.plugin.state.urls, p.plugin.callbackUrl);
        const kept = merge.urls.length - 1;
        lines.push(
          merge.changed
            ? t('setup.plan.addUrl', {
                url: p.plugin.callbackUrl,
                replacing: merge.replaced.length ? t('setup.plan.replacing', { n: merge.replaced.length }) : '',
                keeping: kept > 0 ? t('setup.plan.keeping', { n: kept }) : '',
              })
            : t('setup.plan.urlSet'),
        );
      } else {
        lines.push(t('setup.plan.setUrl', { path: WEBHOOK_PATH }));
      }
    } else if (p.sentry.mode === 'integration') {
      if (!p.app) {
        lines.push(t('setup.plan.createApp', { org: p.sentry.org, url: `${base}${WEBHOOK_PATH}` }));
      } else if (p.pub.kind === 'url') {
        const patch = appPatch(p.app, joinUrl(p.pub.url, WEBHOOK_PATH));
        lines.push(
          Object.keys(patch).length > 0
            ? t('setup.plan.updateApp', { slug: p.app.slug, fields: Object.keys(patch).join(', ') })
            : t('setup.plan.appRight', { slug: p.app.slug }),
        );
      } else {
        lines.push(t('setup.plan.pointApp', { slug: p.app.slug, path: WEBHOOK_PATH }));
      }
    }
    const often = p.frequency === true ? t('setup.plan.often') : '';
    const existing = service ? findEquivalentRule(p.rules, service, p.frequency) : undefined;
    const own = service && !existing ? ownRule(p.rules, service) : undefined;
    lines.push(
      existing
        ? t('setup.plan.reuseRule', { name: existing.name, id: existing.id, ref })
        : own
          ? t('setup.plan.updateRule', { name: own.name, id: own.id, ref, often })
          : t('setup.plan.createRule', { name: ruleName(p.frequency === true), ref, often, service: service ?? t('setup.plan.newApp') }),
    );
    for (const project of p.moreProjects ?? []) {
      lines.push(t('setup.plan.moreProject', { org: p.sentry.org, project, plugin: p.sentry.mode === 'plugin' ? t('setup.plan.morePlugin') : '' }));
    }
  } else {
    lines.push(t('setup.plan.noPublic'));
  }
  const envParts = [
    p.env.added.length ? t('setup.plan.envAdd', { names: p.env.added.join(', ') }) : '',
    p.env.updated.length ? t('setup.plan.envUpdate', { names: p.env.updated.join(', ') }) : '',
    p.env.removed.length ? t('setup.plan.envRemove', { names: p.env.removed.join(', ') }) : '',
  ].filter(Boolean);
  const backup = p.env.existed === false ? t('setup.plan.envNew') : t('setup.plan.envBackup');
  lines.push(
    envParts.length
      ? t('setup.plan.env', { file: p.env.name, changes: envParts.join('; '), backup })
      : t('setup.plan.envSame', { file: p.env.name }),
  );
  if (p.pub.kind !== 'none') {
    lines.push(
      p.sentry.mode === 'plugin'
        ? t('setup.plan.proofPlugin')
        : t('setup.plan.proofSigned'),
    );
    lines.push(p.serve ? t('setup.plan.thenServe') : t('setup.plan.thenStop'));
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
