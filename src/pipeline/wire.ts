// The one wiring of the alert pipeline: store → intake (normalise, route, group, commit) →
// dispatcher (render, pace, deliver) → Telegram. `serve` (and setup's in-process proof, through
// `startReceiver`) and `test-send` both build it here, so they cannot drift apart; what differs
// (the database, the Telegram client, the retry budget) is passed in.
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../deliver/dispatcher.js';
import { createTelegramStatus, type TelegramStatus } from '../telegram/reachability.js';
import type { Logger } from '../log/logger.js';
import type { Alert } from '../normalise/alert.js';
import { createIntake, type Intake } from '../receive/intake.js';
import { createStorageStatus, type StorageStatus } from '../receive/storage-status.js';
import type { RoutesConfig } from '../route/config.js';
import type { RouteConfig } from '../route/route.js';
import type { AsyncStore } from '../store/async-store.js';

export type PipelineOptions = Omit<DispatcherOptions, 'status' | 'logger' | 'store'> & {
  store: AsyncStore;
  /** Where alerts go: the checked routes file, or the single chat from .env (`routeConfig`). */
  routes?: RoutesConfig;
  routeConfig?: RouteConfig;
  /** The dispatcher's log. */
  logger: Logger;
  /** The intake's clock (receivedAt, storage failures); Date.now by default. */
  now?: () => number;
  /** False for an alert of a project this receiver does not post for (see route/scope.ts). */
  inScope?: (alert: Alert) => boolean;
  /** Called after each commit of webhooks (to refresh the figures /health shows). */
  onStored?: () => void;
  /** An alert no route took (and no default): counted and logged by the caller. */
  onUnrouted?: (alert: Alert) => void;
  /** New rows by route, once on disk (metrics). */
  onRouted?: (routes: readonly string[]) => void;
  /** A webhook not committed within this many ms gets 503 (PostgreSQL; see IntakeBase). */
  acceptTimeoutMs?: number;
};

export interface Pipeline {
  store: AsyncStore;
  intake: Intake;
  dispatcher: Dispatcher;
  /** Whether Telegram answers (for /health and /status). */
  telegramStatus: TelegramStatus;
  /** Whether commits reach the disk (for /health). */
  storage: StorageStatus;
}

/** Builds the pipeline; the dispatcher is not started (the caller starts it when ready). */
export function wirePipeline(opts: PipelineOptions): Pipeline {
  const { routes, routeConfig, now = Date.now, inScope, onUnrouted, onRouted, onStored, acceptTimeoutMs, ...dispatcherOptions } = opts;
  if (!routes && !routeConfig) throw new Error('wirePipeline needs routes or routeConfig');
  const telegramStatus = createTelegramStatus();
  const dispatcher = createDispatcher({
    ...dispatcherOptions,
    ...(routes ? { routes } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    status: telegramStatus,
  });
  const storage = createStorageStatus();
  const intake = createIntake({
    store: opts.store,
    ...(routes ? { routes } : { routeConfig: routeConfig! }),
    now,
    onAccepted: (chatIds) => {
      dispatcher.wake(chatIds);
      onStored?.();
    },
    storage,
    ...(inScope ? { inScope } : {}),
    ...(onUnrouted ? { onUnrouted } : {}),
    ...(onRouted ? { onRouted } : {}),
    ...(acceptTimeoutMs ? { acceptTimeoutMs } : {}),
  });
  return { store: opts.store, intake, dispatcher, telegramStatus, storage };
}
