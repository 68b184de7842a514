// This receiver's own internal integration: found by the slug setup saved (or by what only it
// can have), never another receiver's; and its client secret, which Sentry shows only on the
// integration's first day.
import { registerSecret } from '../../log/redact.js';
import type { SentryApp } from '../../sentry/api.js';
import { UserError } from '../../errors.js';
import type { SentryAnswer } from './sentry.js';
import { APP_NAME, type Session } from './session.js';

/** How setup knows its own integration: the slug it saved, else what only ours can have. */
export interface OwnApp {
  /** SENTRY_TG_INTEGRATION from the env file: the integration this receiver created. */
  marker?: string | undefined;
  /** The webhook URL this run will set, when already known (not for a tunnel). */
  webhookUrl?: string | undefined;
  /** SENTRY_WEBHOOK_SECRET: equal to the client secret only for our own integration. */
  secret?: string | undefined;
}

const sameUrl = (a: string | null, b: string) => a !== null && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * This receiver's own internal integration, if any. Pure pick. An integration of another
 * receiver (another folder, another project) is never picked: repointing it would silently
 * take its alerts away, so setup creates a new one instead.
 */
export function pickApp(apps: readonly SentryApp[], own: OwnApp): SentryApp | undefined {
  if (own.marker) return apps.find((a) => a.slug === own.marker);
  // No marker (a first run, or a setup from before markers): only what can be nobody else's.
  return apps.find(
    (a) =>
      a.name === APP_NAME &&
      ((own.webhookUrl !== undefined && sameUrl(a.webhookUrl, own.webhookUrl)) ||
        (own.secret !== undefined && a.clientSecret !== null && a.clientSecret === own.secret)),
  );
}

export interface IntegrationSecret {
  app?: SentryApp;
  /** The client secret to verify signatures with; undefined until a new app is created. */
  secret?: string;
  source: 'app' | 'local' | 'prompt' | 'new-app';
}

/**
 * The integration's client secret. Sentry shows it only during the app's first day, so an
 * older app's secret must come from the env file, a flag, or the user (copied or rotated).
 */
export async function askIntegrationSecret(s: Session, sentry: SentryAnswer, webhookUrl: string | undefined): Promise<IntegrationSecret> {
  const apps = await sentry.api.listSentryApps(sentry.org);
  const app = pickApp(apps, ownApp(s, webhookUrl));
  if (!app) return { source: 'new-app' };
  if (app.clientSecret) {
    if (s.settings.webhookSecret && s.settings.webhookSecret !== app.clientSecret) {
      s.ctx.out.warn(`SENTRY_WEBHOOK_SECRET differs from the client secret of integration "${app.slug}": it will be replaced.`);
    }
    registerSecret(app.clientSecret);
    return { app, secret: app.clientSecret, source: 'app' };
  }
  if (s.settings.webhookSecret) {
    s.ctx.out.info(`Integration "${app.slug}" exists; Sentry no longer shows its client secret, so SENTRY_WEBHOOK_SECRET is used as that secret.`);
    return { app, secret: s.settings.webhookSecret, source: 'local' };
  }
  const where = `${sentry.api.baseUrl}/settings/${sentry.org}/developer-settings/${app.slug}/`;
  const how = `Open ${where}, copy the Client Secret (or rotate it if it is hidden) and pass it as --webhook-secret or SENTRY_WEBHOOK_SECRET.`;
  if (!s.interactive) {
    throw new UserError(`Integration "${app.slug}" already exists and Sentry shows its client secret only during its first day.`, how);
  }
  s.ctx.out.warn(`Integration "${app.slug}" already exists, and Sentry shows its client secret only during its first day.`);
  s.ctx.out.info(how.replace(' and pass it as --webhook-secret or SENTRY_WEBHOOK_SECRET', ' and paste it here'));
  const secret = (
    await s.ctx.prompts.password({
      message: `Client Secret of ${app.slug}`,
      validate: (v) => (v.trim().length >= 16 ? true : 'must be at least 16 characters'),
    })
  ).trim();
  registerSecret(secret);
  return { app, secret, source: 'prompt' };
}

export function ownApp(s: Pick<Session, 'settings'>, webhookUrl: string | undefined): OwnApp {
  return { marker: s.settings.integration, webhookUrl, secret: s.settings.webhookSecret };
}
