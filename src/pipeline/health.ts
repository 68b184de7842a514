// What /health (and the bot's /status) report: the queue, Telegram, the disk, in one snapshot.
import type { Acting } from '../act/act.js';
import type { Figures } from '../metrics/metrics.js';
import type { Health } from '../receive/app.js';
import { VERSION } from '../version.js';
import type { Pipeline } from './wire.js';

export interface HealthInput {
  pipeline: Pick<Pipeline, 'store' | 'telegramStatus' | 'storage'>;
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
  const { store, telegramStatus, storage } = input.pipeline;
  return () => {
    const q = store.stats();
    const tg = telegramStatus.snapshot();
    const warnings: string[] = [];
    if (!input.webhookSecret) warnings.push('SENTRY_WEBHOOK_SECRET is not set: unsigned requests are accepted');
    if (q.parked > 0) warnings.push(`${q.parked} alert(s) could not be delivered; last reason: ${q.lastParked?.reason}`);
    if (tg.reachable === false) warnings.push(`Telegram is not answering: ${tg.lastError?.message}`);
    const unrouted = input.scope().unrouted ?? 0;
    if (unrouted > 0) warnings.push(`${unrouted} alert(s) matched no route and were not posted: add a route or a default chat to the routes file`);
    const storeFailure = storage.failure();
    if (storeFailure) {
      warnings.push(
        `Alerts cannot be stored: ${storeFailure.reason}. Webhooks get 503 until a write succeeds; check the disk of ${input.dataDir}`,
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
export function figuresOf(pipeline: Pick<Pipeline, 'store' | 'telegramStatus' | 'storage'>): Figures {
  return {
    queue: pipeline.store.stats(),
    telegramReachable: pipeline.telegramStatus.snapshot().reachable,
    storageOk: pipeline.storage.failure() === null,
  };
}
