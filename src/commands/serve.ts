// `sentry-tg serve`: wires receive → store → dispatch → Telegram and listens.
// `startReceiver` is also what `setup` runs in-process for its end-to-end proof.
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { startActing, type Acting } from '../act/act.js';
import type { UpdateLoopConfig } from '../act/updates.js';
import type { Context } from '../cli/context.js';
import type { Settings } from '../config/options.js';
import { createDispatcher, type Dispatcher, type StormConfig } from '../deliver/dispatcher.js';
import type { PacingConfig } from '../deliver/pacing.js';
import { createTelegramStatus } from '../telegram/reachability.js';
import { createTelegram, type Telegram } from '../telegram/client.js';
import { UserError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { registerSecret } from '../log/redact.js';
import { createStorageStatus, startStorageProbe } from '../receive/storage-status.js';
import { createIntake } from '../receive/intake.js';
import type { Health } from '../receive/app.js';
import { listen } from '../receive/listen.js';
import type { HttpLimits } from '../receive/server.js';
import { pluginCallbackUrl, urlToken, WEBHOOK_PATH } from '../receive/verify.js';
import { describeScope, inScope, scopeProjects } from '../route/scope.js';
import { createSentryApi } from '../sentry/api.js';
import { openStore, type FdatasyncFn, type FsyncMode, type Store } from '../store/store.js';
import { tunnelError, type Tunnel } from '../tunnel/ngrok.js';
import { VERSION } from '../version.js';

export type ServeSettings = Settings & { telegramToken: string; chatId: string };

export interface ReceiverOptions {
  settings: ServeSettings;
  logger: Logger;
  fetch?: typeof fetch;
  /** Open a tunnel with this opener (needs NGROK_AUTHTOKEN). */
  tunnel?: Context['openTunnel'];
  fsync?: FsyncMode;
  /** The WAL's fsync (tests hold or fail it); node:fs fdatasync by default. */
  fdatasync?: FdatasyncFn;
  /** Socket bounds; tests shorten the timeouts. */
  http?: Partial<HttpLimits>;
  /** Clock for the replay window (the context's). */
  now?: () => number;
  pacing?: Partial<PacingConfig>;
  storm?: Partial<StormConfig>;
  retentionMs?: number;
  /** Long polling of Telegram updates (tests shorten the waits). */
  updates?: Partial<UpdateLoopConfig>;
}

export interface Receiver {
  /** http://host:port of the local listener. */
  localUrl: string;
  publicUrl: string | null;
  store: Store;
  dispatcher: Dispatcher;
  telegram: Telegram;
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60_000;
// A press waits for Sentry before it is answered; Telegram stops waiting for the answer soon after.
const SENTRY_ACTION_TIMEOUT_MS = 8000;

/** Why the Resolve / Archive buttons are off, or null when they are on. */
export function buttonsOffReason(settings: ServeSettings): string | null {
  if (!settings.updates) return 'SENTRY_TG_UPDATES=false: nothing reads the presses';
  const missing = [
    settings.sentryAuthToken ? null : 'SENTRY_AUTH_TOKEN',
    settings.sentryOrg ? null : 'SENTRY_ORG',
    settings.allowedUsers.length > 0 ? null : 'SENTRY_TG_ALLOWED_USERS',
  ].filter((m): m is string => m !== null);
  return missing.length ? `set ${missing.join(', ')}` : null;
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const { settings, logger } = opts;
  for (const s of [settings.telegramToken, settings.webhookSecret, settings.sentryAuthToken, settings.ngrokAuthtoken]) {
    registerSecret(s);
  }
  // The plugin's URL token is a credential too: logs show the callback URL with it masked.
  if (settings.webhookSecret) registerSecret(urlToken(settings.webhookSecret));
  const startedAt = Date.now();
  // Lets doctor tell whether the public URL reaches this very process.
  const instanceId = randomUUID();
  const dataDir = isAbsolute(settings.dataDir) ? settings.dataDir : resolve(settings.dataDir);
  let store: Store;
  try {
    store = openStore({ dataDir, fsync: opts.fsync ?? settings.fsync, ...(opts.fdatasync ? { fdatasync: opts.fdatasync } : {}) });
  } catch (err) {
    throw new UserError(`Cannot open the database in ${dataDir}: ${(err as Error).message}`, 'Check SENTRY_TG_DATA_DIR and its permissions.');
  }

  const telegram = createTelegram({ apiRoot: settings.telegramApiRoot, token: settings.telegramToken, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const status = createTelegramStatus();
  const buttonsOff = buttonsOffReason(settings);
  const dispatcher = createDispatcher({
    store,
    telegram,
    logger: logger.child({ part: 'deliver' }),
    status,
    ...(opts.pacing ? { pacing: opts.pacing } : {}),
    ...(opts.storm ? { storm: opts.storm } : {}),
    actions: buttonsOff === null && settings.sentryOrg ? { org: settings.sentryOrg } : null,
  });
  const storage = createStorageStatus();
  const projects = scopeProjects(settings.sentryProject);
  let outOfScope = 0;
  const intake = createIntake({
    store,
    routeConfig: { chatId: settings.chatId, topicId: settings.topicId },
    now: Date.now,
    onAccepted: (chatIds) => dispatcher.wake(chatIds),
    storage,
    inScope: (alert) => inScope(alert, projects) || (outOfScope++, false),
  });
  const storageProbe = startStorageProbe(store, storage, Date.now);

  // The SDK is heavy (tens of MB): loaded only when the receiver reports its own errors.
  const Sentry = settings.sentryDsn ? await import('@sentry/node') : null;
  Sentry?.init({ dsn: settings.sentryDsn, release: `sentry-tg@${VERSION}` });

  let acting: Acting | null = null;
  const health = (): Health => {
    const q = store.stats();
    const tg = status.snapshot();
    const warnings: string[] = [];
    if (!settings.webhookSecret) warnings.push('SENTRY_WEBHOOK_SECRET is not set: unsigned requests are accepted');
    if (q.parked > 0) warnings.push(`${q.parked} alert(s) could not be delivered; last reason: ${q.lastParked?.reason}`);
    if (tg.reachable === false) warnings.push(`Telegram is not answering: ${tg.lastError?.message}`);
    const storeFailure = storage.failure();
    if (storeFailure) {
      warnings.push(`Alerts cannot be stored: ${storeFailure.reason}. Webhooks get 503 until a write succeeds; check the disk of ${dataDir}`);
    }
    return {
      status: q.parked > 0 || tg.reachable === false || storeFailure ? 'degraded' : 'ok',
      version: VERSION,
      instanceId,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      telegram: { configured: true, ...tg, updates: acting?.updatesState() ?? 'off', buttons: buttonsOff === null ? 'on' : `off: ${buttonsOff}` },
      webhookAuth: settings.webhookSecret ? 'signature or URL token' : 'none',
      storage: storeFailure
        ? { ok: false, reason: storeFailure.reason, since: new Date(storeFailure.at).toISOString() }
        : { ok: true },
      projects: projects.length ? projects : 'all',
      // Org-wide webhooks of other projects, acknowledged and not posted (since start).
      outOfScope,
      queue: {
        pending: q.pending,
        muted: q.muted,
        undeliverable: q.parked,
        lastUndeliverableReason: q.lastParked?.reason ?? null,
        lastDeliveredAt: q.lastDeliveredAt === null ? null : new Date(q.lastDeliveredAt).toISOString(),
        oldestPendingAt: q.oldestPendingAt === null ? null : new Date(q.oldestPendingAt).toISOString(),
      },
      warnings,
    };
  };

  const receiveLogger = logger.child({ part: 'receive' });
  const reportError = (err: unknown) => {
    Sentry?.captureException(err);
  };
  const { server, port, localUrl } = await listen({
    port: settings.port,
    host: settings.host,
    webhookSecret: settings.webhookSecret,
    bodyLimitBytes: settings.bodyLimitBytes,
    replayWindowSeconds: settings.replayWindowSeconds,
    now: opts.now ?? Date.now,
    debugEndpoint: settings.debugEndpoint,
    intake,
    health,
    logger: receiveLogger,
    debugError: () => {
      const err = new Error('sentry-tg /sentry-debug test error');
      return Sentry?.captureException(err);
    },
    reportError,
    ...(opts.http ? { http: opts.http } : {}),
  });

  let tunnel: Tunnel | null = null;
  if (opts.tunnel) {
    if (!settings.ngrokAuthtoken) {
      server.close();
      store.close();
      throw new UserError('A tunnel needs an ngrok authtoken.', 'Set NGROK_AUTHTOKEN (free at ngrok.com) or pass --public-url.');
    }
    try {
      tunnel = await opts.tunnel({ port, host: settings.host, authtoken: settings.ngrokAuthtoken });
    } catch (err) {
      server.close();
      store.close();
      throw tunnelError(err);
    }
  }
  const publicUrl = tunnel?.url ?? settings.publicUrl ?? null;

  dispatcher.start();

  let botUsername: string | null = null;
  if (settings.updates) {
    acting = startActing({
      telegram,
      store,
      dispatcher,
      sentry:
        buttonsOff === null && settings.sentryAuthToken
          ? createSentryApi({
              baseUrl: settings.sentryUrl,
              token: settings.sentryAuthToken,
              timeoutMs: SENTRY_ACTION_TIMEOUT_MS,
              ...(opts.fetch ? { fetch: opts.fetch } : {}),
            })
          : null,
      buttonsOff,
      chatId: settings.chatId,
      allowedUsers: settings.allowedUsers,
      botUsername: () => botUsername,
      status: () => {
        const h = health();
        const q = store.stats();
        return {
          version: VERSION,
          health: h.status,
          pending: q.pending,
          oldestPendingAt: q.oldestPendingAt,
          lastDeliveredAt: q.lastDeliveredAt,
          undeliverable: q.parked,
          lastUndeliverableReason: q.lastParked?.reason ?? null,
          muted: q.muted,
          mutes: store.activeMutes(Date.now()).map((m) => ({ label: m.label, until: m.until })),
          telegramReachable: status.snapshot().reachable,
        };
      },
      logger,
      ...(opts.updates ? { updates: opts.updates } : {}),
    });
  } else {
    logger.info('SENTRY_TG_UPDATES=false: buttons and bot commands are off');
  }
  if (buttonsOff && settings.updates) logger.info(`Resolve / Archive buttons are off: ${buttonsOff}`);
  // Retention: delivered rows older than this are pruned once an hour (and at start).
  const retentionMs = opts.retentionMs ?? 7 * DAY_MS;
  const prune = () => {
    try {
      const removed = store.prune(Date.now() - retentionMs);
      if (removed) logger.info({ removed }, 'pruned delivered alerts');
    } catch (err) {
      logger.error({ err }, 'pruning failed');
    }
  };
  prune();
  const pruneTimer = setInterval(prune, 60 * 60_000);
  pruneTimer.unref();

  telegram
    .getMe()
    .then((me) => {
      status.ok(Date.now());
      status.setBot(`@${me.username ?? me.first_name}`);
      botUsername = me.username ?? null;
    })
    .catch((err: unknown) => {
      status.failed(Date.now(), (err as Error).message, 'getMe');
      logger.error({ err: (err as Error).message }, 'Telegram getMe failed: check SENTRY_ALERT_TELEGRAM_TOKEN and TELEGRAM_API_ROOT');
    });

  logger.info({ url: localUrl, version: VERSION, dataDir }, `receiver listening on ${localUrl}${WEBHOOK_PATH}`);
  if (publicUrl) logger.info(`public webhook URL: ${publicUrl}${WEBHOOK_PATH} (plugin callback: ${pluginCallbackUrl(publicUrl, settings.webhookSecret)})`);
  if (!settings.webhookSecret) logger.warn('SENTRY_WEBHOOK_SECRET is not set: anyone who can reach this port can post alerts');
  if (projects.length) logger.info(describeScope(projects));
  else logger.warn(`${describeScope(projects)}; set it to a comma-separated list of project slugs to post only those`);

  let closing: Promise<void> | null = null;
  return {
    localUrl,
    publicUrl,
    store,
    dispatcher,
    telegram,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        storageProbe.stop();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        });
        // Presses first: a press in flight may still hand its edit to the dispatcher.
        await acting?.stop();
        await dispatcher.stop();
        await tunnel?.close().catch(() => undefined);
        store.close();
        await Sentry?.close(2000);
      })();
      return closing;
    },
  };
}

export interface ServeFlags {
  tunnel?: boolean;
}

export async function serveCommand(ctx: Context, settings: ServeSettings, flags: ServeFlags): Promise<number> {
  const logger = createLogger({ file: settings.logFile, stream: ctx.stdout });
  const receiver = await startReceiver({
    settings,
    logger,
    fetch: ctx.fetch,
    now: ctx.now,
    ...(flags.tunnel ? { tunnel: ctx.openTunnel } : {}),
  });
  const signal = await ctx.untilSignal();
  logger.info({ signal }, 'shutting down: finishing requests and deliveries in flight');
  await receiver.close();
  logger.info('stopped');
  logger.flush();
  return 0;
}
