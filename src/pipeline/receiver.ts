// The running receiver: the pipeline (wire.ts) behind the HTTP listener, plus what only a
// long-running process needs — button presses and bot commands, retention, the storage probe,
// the optional tunnel and error reporting. `serve` runs it; `setup` runs it in-process for its
// end-to-end proof.
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { startActing, type Acting } from '../act/act.js';
import type { UpdateLoopConfig } from '../act/updates.js';
import type { Context } from '../context/context.js';
import type { Settings } from '../config/options.js';
import type { Dispatcher, StormConfig } from '../deliver/dispatcher.js';
import type { PacingConfig } from '../deliver/pacing.js';
import { createTelegram, type Telegram } from '../telegram/client.js';
import { UserError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { registerSecret } from '../log/redact.js';
import type { MetricsListener } from '../metrics/listener.js';
import { loadTemplates, TemplatesError, unknownTemplateSets } from '../render/templates.js';
import { startStorageProbe } from '../receive/storage-status.js';
import { describeScope, inScope, scopeProjects } from '../route/scope.js';
import { listen } from '../receive/listen.js';
import type { HttpLimits } from '../receive/server.js';
import { pluginCallbackUrl, urlToken, WEBHOOK_PATH } from '../receive/verify.js';
import type { AsyncStore, ReplicaCoordination } from '../store/async-store.js';
import { HEARTBEAT_MS, REPLICA_STALE_MS } from '../store/pg/replicas.js';
import type { FdatasyncFn, FsyncMode } from '../store/store.js';
import { openReceiverStore } from './open-store.js';
import { tunnelError, type Tunnel } from '../tunnel/ngrok.js';
import { VERSION } from '../version.js';
import { figuresOf, healthOf, queueFigures } from './health.js';
import type { RoutesConfig } from '../route/config.js';
import { routeChats, startRoutes } from './routes.js';
import { wirePipeline } from './wire.js';
import { localesOf } from '../deliver/destinations.js';

/** SENTRY_ALERT_CHAT_ID may be absent when a routes file names the chats. */
export type ServeSettings = Settings & { telegramToken: string };

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
  /** With SENTRY_TG_DATABASE_URL: how long a chat lease and the update-reading lease last. */
  chatLeaseMs?: number;
  leadLeaseMs?: number;
  /** Where a relative SENTRY_TG_ROUTES and the default routes file are found; process.cwd() by default. */
  cwd?: string;
  /**
   * These routes instead of reading any routes file (setup's proof posts to the chat it just
   * set up: `singleChatRoutes(chatId, topicId)`).
   */
  routes?: RoutesConfig;
}

export interface Receiver {
  /** http://host:port of the local listener. */
  localUrl: string;
  publicUrl: string | null;
  /** http://host:port of the metrics listener; null when SENTRY_TG_METRICS_ADDR is not set. */
  metricsUrl: string | null;
  store: AsyncStore;
  /** Set when replicas share a PostgreSQL database (SENTRY_TG_DATABASE_URL). */
  replicas: ReplicaCoordination | null;
  dispatcher: Dispatcher;
  telegram: Telegram;
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60_000;
// A press waits for Sentry before it is answered; Telegram stops waiting for the answer soon after.
const SENTRY_ACTION_TIMEOUT_MS = 8000;
/** On PostgreSQL, a webhook whose commit is not confirmed by then is answered 503 (Sentry waits 1 s). */
export const ACCEPT_TIMEOUT_MS = 800;

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
  const startedAtMs = Date.now();
  // A broken template is a start-up error with file:line, before anything is opened.
  loadTemplates(settings.templates);
  // Checked before anything opens or listens: a broken routes file is a start-up error.
  const { routes, file: routesFile } = opts.routes
    ? { routes: opts.routes, file: null }
    : startRoutes({ path: settings.routes, cwd: opts.cwd ?? process.cwd(), chatId: settings.chatId, topicId: settings.topicId });
  const alertChats = routeChats(routes);
  // A route naming a template set that is not there is a start-up error too, not a 3 a.m. surprise.
  const missingSets = unknownTemplateSets([
    ...routes.routes.flatMap((r) => (r.template ? [{ where: `route "${r.name}"`, set: r.template }] : [])),
    ...(routes.default?.template ? [{ where: 'default', set: routes.default.template }] : []),
  ]);
  if (missingSets.length > 0) throw new TemplatesError(settings.templates ?? '(not set)', missingSets);
  const dataDir = isAbsolute(settings.dataDir) ? settings.dataDir : resolve(settings.dataDir);
  const { store, replicas, where } = await openReceiverStore(opts, dataDir);
  const figures = queueFigures(store, Date.now);
  await figures.refresh();
  figures.start();

  // Off by default: then nothing observes the webhook path or the Telegram calls at all.
  // prom-client loads only when metrics are asked for: an idle receiver stays small.
  const metrics = settings.metricsAddr
    ? (await import('../metrics/metrics.js')).createMetrics({ figures: () => figuresOf(pipeline, figures), now: Date.now })
    : null;
  const telegram = createTelegram({
    apiRoot: settings.telegramApiRoot,
    token: settings.telegramToken,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(metrics ? { onCall: metrics.onTelegramCall } : {}),
  });
  const buttonsOff = buttonsOffReason(settings);
  const projects = scopeProjects(settings.sentryProject);
  let outOfScope = 0;
  let unrouted = 0;
  const pipeline = wirePipeline({
    store,
    telegram,
    logger: logger.child({ part: 'deliver' }),
    routes,
    onUnrouted: () => {
      unrouted++;
      metrics?.onUnrouted();
    },
    ...(metrics ? { onRouted: metrics.onRouted } : {}),
    ...(opts.pacing ? { pacing: opts.pacing } : {}),
    ...(opts.storm ? { storm: opts.storm } : {}),
    actions: buttonsOff === null && settings.sentryOrg ? { org: settings.sentryOrg } : null,
    locale: settings.locale,
    inScope: (alert) => inScope(alert, projects) || (outOfScope++, false),
    replicas,
    ...(opts.chatLeaseMs ? { chatLeaseMs: opts.chatLeaseMs } : {}),
    // Sentry gives up on a webhook after 1 s: a database that does not answer gets a 503 first.
    ...(replicas ? { acceptTimeoutMs: ACCEPT_TIMEOUT_MS } : {}),
    onStored: () => figures.stale(),
    onRound: () => figures.stale(),
  });
  const { dispatcher, telegramStatus: status, storage } = pipeline;
  const storageProbe = startStorageProbe(store, storage, Date.now);

  // The SDK is heavy (tens of MB): loaded only when the receiver reports its own errors.
  const Sentry = settings.sentryDsn ? await import('@sentry/node') : null;
  Sentry?.init({ dsn: settings.sentryDsn, release: `sentry-tg@${VERSION}` });

  let acting: Acting | null = null;
  const health = healthOf({
    pipeline,
    figures,
    replica: () => ({
      id: replicas?.replicaId ?? 'single',
      leader: acting?.leading() ?? false,
      database: replicas ? 'postgres' : 'sqlite',
    }),
    webhookSecret: settings.webhookSecret,
    dataDir,
    // Lets doctor tell whether the public URL reaches this very process.
    instanceId: randomUUID(),
    startedAtMs,
    buttonsOff,
    acting: () => acting,
    now: Date.now,
    scope: () => ({ projects, outOfScope, unrouted }),
  });

  const { server, port, localUrl } = await listen({
    port: settings.port,
    host: settings.host,
    webhookSecret: settings.webhookSecret,
    bodyLimitBytes: settings.bodyLimitBytes,
    replayWindowSeconds: settings.replayWindowSeconds,
    now: opts.now ?? Date.now,
    debugEndpoint: settings.debugEndpoint,
    intake: pipeline.intake,
    health,
    logger: logger.child({ part: 'receive' }),
    debugError: () => Sentry?.captureException(new Error('sentry-tg /sentry-debug test error')),
    reportError: (err: unknown) => {
      Sentry?.captureException(err);
    },
    ...(opts.http ? { http: opts.http } : {}),
    ...(metrics ? { onAnswered: metrics.onWebhook } : {}),
  });

  let metricsListener: MetricsListener | null = null;
  if (metrics && settings.metricsAddr) {
    try {
      const { startMetricsListener } = await import('../metrics/listener.js');
      metricsListener = await startMetricsListener({ ...settings.metricsAddr, metrics, logger: logger.child({ part: 'metrics' }), ...(opts.http ? { http: opts.http } : {}) });
    } catch (err) {
      server.close();
      await store.close();
      throw err;
    }
  }

  let tunnel: Tunnel | null = null;
  if (opts.tunnel) {
    if (!settings.ngrokAuthtoken) {
      await metricsListener?.close();
      server.close();
      await store.close();
      throw new UserError('A tunnel needs an ngrok authtoken.', 'Set NGROK_AUTHTOKEN (free at ngrok.com) or pass --public-url.');
    }
    try {
      tunnel = await opts.tunnel({ port, host: settings.host, authtoken: settings.ngrokAuthtoken });
    } catch (err) {
      await metricsListener?.close();
      server.close();
      await store.close();
      throw tunnelError(err);
    }
  }
  const publicUrl = tunnel?.url ?? settings.publicUrl ?? null;

  // The Sentry client (a sizeable module) is loaded only when the buttons can use it.
  const sentry =
    settings.updates && buttonsOff === null && settings.sentryAuthToken
      ? (await import('../sentry/api.js')).createSentryApi({
          baseUrl: settings.sentryUrl,
          token: settings.sentryAuthToken,
          timeoutMs: SENTRY_ACTION_TIMEOUT_MS,
          ...(opts.fetch ? { fetch: opts.fetch } : {}),
        })
      : null;

  dispatcher.start();

  let botUsername: string | null = null;
  if (settings.updates) {
    acting = startActing({
      telegram,
      store,
      dispatcher,
      sentry,
      buttonsOff,
      // Commands are taken in every chat a route (or the default) posts to; others are ignored.
      chatId: settings.chatId ?? alertChats[0]!,
      chatIds: alertChats,
      allowedUsers: settings.allowedUsers,
      locale: settings.locale,
      localeOf: localesOf(routes, settings.locale),
      botUsername: () => botUsername,
      // /status reads the database afresh (the figures /health shows may be 2 s old).
      status: async () => {
        await figures.refresh();
        const q = figures.stats();
        return {
          version: VERSION,
          health: health().status,
          pending: q.pending,
          oldestPendingAt: q.oldestPendingAt,
          lastDeliveredAt: q.lastDeliveredAt,
          undeliverable: q.parked,
          lastUndeliverableReason: q.lastParked?.reason ?? null,
          muted: q.muted,
          unrouted,
          outOfScope,
          mutes: figures.mutes().filter((m) => m.until > Date.now()).map((m) => ({ label: m.label, until: m.until })),
          telegramReachable: status.snapshot().reachable,
        };
      },
      logger,
      ...(opts.updates ? { updates: opts.updates } : {}),
      replicas,
      ...(opts.leadLeaseMs ? { leadLeaseMs: opts.leadLeaseMs } : {}),
    });
  } else {
    logger.info('SENTRY_TG_UPDATES=false: buttons and bot commands are off');
  }
  if (buttonsOff && settings.updates) logger.info(`Resolve / Archive buttons are off: ${buttonsOff}`);
  // Retention: delivered rows older than this are pruned once an hour (and at start).
  const retentionMs = opts.retentionMs ?? 7 * DAY_MS;
  const prune = async () => {
    try {
      const removed = await store.prune(Date.now() - retentionMs);
      if (removed) logger.info({ removed }, 'pruned delivered alerts');
    } catch (err) {
      logger.error({ err }, 'pruning failed');
    }
  };
  void prune();
  const pruneTimer = setInterval(() => void prune(), 60 * 60_000);
  pruneTimer.unref();
  // Replicas: this one is counted live (doctor) while its heartbeat is fresh.
  const beat = async () => {
    try {
      await replicas?.heartbeat(replicas.replicaId, REPLICA_STALE_MS);
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'replica heartbeat failed');
    }
  };
  if (replicas) await beat();
  const beatTimer = replicas ? setInterval(() => void beat(), HEARTBEAT_MS) : null;
  beatTimer?.unref();

  telegram
    .getMe()
    .then((me) => {
      status.ok(Date.now());
      status.setBot(`@${me.username ?? me.first_name}`);
      botUsername = me.username ?? null;
    })
    .catch((err: unknown) => {
      status.noteFailure(Date.now(), err);
      logger.error({ err: (err as Error).message }, 'Telegram getMe failed: check SENTRY_ALERT_TELEGRAM_TOKEN and TELEGRAM_API_ROOT');
    });

  logger.info({ url: localUrl, version: VERSION, database: where }, `receiver listening on ${localUrl}${WEBHOOK_PATH}`);
  if (replicas) logger.info({ replicaId: replicas.replicaId }, `sharing the PostgreSQL database at ${where} with other replicas`);
  if (metricsListener) logger.info(`metrics on ${metricsListener.url}/metrics`);
  if (publicUrl) logger.info(`public webhook URL: ${publicUrl}${WEBHOOK_PATH} (plugin callback: ${pluginCallbackUrl(publicUrl, settings.webhookSecret)})`);
  if (!settings.webhookSecret) logger.warn('SENTRY_WEBHOOK_SECRET is not set: anyone who can reach this port can post alerts');
  if (routesFile) {
    logger.info(
      { routes: routes.routes.map((r) => r.name), default: routes.default?.chatId ?? null },
      `routes from ${routesFile}: ${routes.routes.length} route(s)${routes.default ? `, default chat ${routes.default.chatId}` : ', no default: alerts no route matches are counted as unrouted in /health'}`,
    );
    for (const warning of routes.warnings) logger.warn(`routes: ${warning}`);
  }
  if (projects.length) logger.info(describeScope(projects));
  else logger.warn(`${describeScope(projects)}; set it to a comma-separated list of project slugs to post only those`);

  let closing: Promise<void> | null = null;
  return {
    localUrl,
    publicUrl,
    metricsUrl: metricsListener?.url ?? null,
    store,
    replicas,
    dispatcher,
    telegram,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        if (beatTimer) clearInterval(beatTimer);
        storageProbe.stop();
        figures.stop();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        });
        await metricsListener?.close();
        // Presses first: a press in flight may still hand its edit to the dispatcher.
        await acting?.stop();
        await dispatcher.stop();
        await tunnel?.close().catch(() => undefined);
        await replicas?.leave(replicas.replicaId).catch(() => undefined);
        await store.close();
        await Sentry?.close(2000);
      })();
      return closing;
    },
  };
}
