// What /health (and the bot's /status) report: the queue, Telegram, the disk, in one snapshot.
// The queue figures come from the database, read in the background (queueFigures) so /health
// answers at once from the last figures even when the database is slow or away.
import type { Acting } from '../act/act.js';
import type { AsyncStore } from '../store/async-store.js';
import type { MuteRow, StoreStats } from '../store/store.js';
import { describeStorageError, type StorageFailure } from '../receive/storage-status.js';
import type { Figures } from '../metrics/metrics.js';
import type { Health } from '../receive/app.js';
import { VERSION } from '../version.js';
import type { Pipeline } from './wire.js';

const EMPTY_STATS: StoreStats = { pending: 0, parked: 0, lastParked: null, lastDeliveredAt: null, oldestPendingAt: null, muted: 0, pendingByRoute: [] };

export type QueueFigures = ReturnType<typeof queueFigures>;

/**
 * The last queue figures and mutes read from the store, refreshed every `intervalMs` (and on
 * `refresh()`). A read that fails is kept as `failure()` until one succeeds.
 * `stale()` (after a commit, after a delivery round) reads again at most once per `staleGapMs`:
 * under load commits come hundreds of times a second, and the figures are not worth a read each.
 */
export function queueFigures(store: Pick<AsyncStore, 'stats' | 'activeMutes'>, now: () => number, intervalMs = 2000, staleGapMs = 1000) {
  let stats: StoreStats = EMPTY_STATS;
  let mutes: MuteRow[] = [];
  let failure: StorageFailure | null = null;
  let reading: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  /** Reads the figures; one read at a time (a call during a read waits for it and reads again). */
  async function refresh(): Promise<void> {
    while (reading) await reading;
    reading = (async () => {
      try {
        const at = now();
        [stats, mutes] = await Promise.all([store.stats(), store.activeMutes(at)]);
        failure = null;
      } catch (err) {
        failure = { at: now(), reason: describeStorageError(err) };
      } finally {
        reading = null;
      }
    })();
    return reading;
  }
  let soon: NodeJS.Timeout | null = null;
  let lastStaleRead = -Infinity;
  const readStale = () => {
    soon = null;
    lastStaleRead = now();
    void refresh();
  };
  return {
    refresh,
    /** The queue changed: read again soon, at most once per `staleGapMs` (calls meanwhile share it). */
    stale(): void {
      if (soon) return;
      const wait = lastStaleRead + staleGapMs - now();
      soon = setTimeout(readStale, Math.max(0, wait));
      soon.unref();
    },
    start(): void {
      timer ??= setInterval(() => void refresh(), intervalMs);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
      if (soon) clearTimeout(soon);
      soon = null;
    },
    stats: (): StoreStats => stats,
    mutes: (): MuteRow[] => mutes,
    /** Why the last read failed (the database is away), or null. */
    failure: (): StorageFailure | null => failure,
  };
}

/** Replicas sharing a database: who this is, whether it reads the updates, the database. */
export interface ReplicaView {
  id: string;
  leader: boolean;
  database: 'postgres' | 'sqlite';
}

export interface HealthInput {
  pipeline: Pick<Pipeline, 'telegramStatus' | 'storage'>;
  figures: Pick<QueueFigures, 'stats' | 'failure'>;
  replica: () => ReplicaView;
  webhookSecret: string | undefined;
  dataDir: string;
  instanceId: string;
  startedAtMs: number;
  /** Why the Resolve / Archive buttons are off, or null when they are on. */
  buttonsOff: string | null;
  acting: () => Acting | null;
  now: () => number;
  /**
   * Projects posted (empty: all), org-wide webhooks of other projects ignored since start, and
   * alerts no route matched with no default chat (acknowledged, logged, not posted) since start.
   */
  scope: () => { projects: string[]; outOfScope: number; unrouted?: number };
}

export function healthOf(input: HealthInput): () => Health {
  const { telegramStatus, storage } = input.pipeline;
  return () => {
    const q = input.figures.stats();
    const tg = telegramStatus.snapshot();
    const warnings: string[] = [];
    if (!input.webhookSecret) warnings.push('SENTRY_WEBHOOK_SECRET is not set: unsigned requests are accepted');
    if (q.parked > 0) warnings.push(`${q.parked} alert(s) could not be delivered; last reason: ${q.lastParked?.reason}`);
    if (tg.reachable === false) warnings.push(`Telegram is not answering: ${tg.lastError?.message}`);
    const unrouted = input.scope().unrouted ?? 0;
    if (unrouted > 0) warnings.push(`${unrouted} alert(s) matched no route and were not posted: add a route or a default chat to the routes file`);
    const storeFailure = storage.failure() ?? input.figures.failure();
    const replica = input.replica();
    if (storeFailure) {
      warnings.push(
        replica.database === 'postgres'
          ? `Alerts cannot be stored: ${storeFailure.reason}. Webhooks get 503 until the database answers; check SENTRY_TG_DATABASE_URL and the database server`
          : `Alerts cannot be stored: ${storeFailure.reason}. Webhooks get 503 until a write succeeds; check the disk of ${input.dataDir}`,
      );
    }
    return {
      status: q.parked > 0 || tg.reachable === false || storeFailure ? 'degraded' : 'ok',
      version: VERSION,
      instanceId: input.instanceId,
      uptimeSeconds: Math.round((input.now() - input.startedAtMs) / 1000),
      telegram: {
        configured: true,
        ...tg,
        updates: input.acting()?.updatesState() ?? 'off',
        buttons: input.buttonsOff === null ? 'on' : `off: ${input.buttonsOff}`,
      },
      webhookAuth: input.webhookSecret ? 'signature or URL token' : 'none',
      storage: storeFailure
        ? { ok: false, reason: storeFailure.reason, since: new Date(storeFailure.at).toISOString() }
        : { ok: true },
      replica: { ...replica, reachable: input.figures.failure() === null && storage.failure() === null },
      projects: input.scope().projects.length ? input.scope().projects : 'all',
      // Org-wide webhooks of other projects, acknowledged and not posted (since start).
      outOfScope: input.scope().outOfScope,
      // Alerts no route matched and no default chat took: acknowledged and logged, not posted.
      unrouted,
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
}

/** The metrics' gauges, from the same store snapshot and Telegram status /health reads. */
export function figuresOf(pipeline: Pick<Pipeline, 'telegramStatus' | 'storage'>, figures: Pick<QueueFigures, 'stats'>): Figures {
  return {
    queue: figures.stats(),
    telegramReachable: pipeline.telegramStatus.snapshot().reachable,
    storageOk: pipeline.storage.failure() === null,
  };
}
