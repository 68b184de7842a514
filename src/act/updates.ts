// Reads what people do in Telegram (button presses, commands) by long polling getUpdates.
// The offset is saved after every handled update, so a restart resumes where it stopped and no
// update is handled twice. A 409 (another program polls this bot, or a webhook is set) is
// logged once with the fix and retried slowly; network errors back off; close() ends a long
// poll in flight at once.
//
// Replicas sharing a database: only the leader polls (tryLead, renewed every leaseMs/3 while a
// long poll runs); the offset lives in the shared store, so a replica that takes over resumes
// where the old leader stopped. A leader whose lease passed stops at once (its poll is aborted,
// its late offset saves are refused).
import type { Logger } from '../log/logger.js';
import { backoffMs, type BackoffConfig } from '../deliver/pacing.js';
import type { Telegram } from '../telegram/client.js';
import { TelegramApiError } from '../telegram/errors.js';
import type { TgUpdate } from '../telegram/types.js';
import type { AsyncStore, ReplicaCoordination } from '../store/async-store.js';

export const OFFSET_KEY = 'telegram.updates.offset';
export const ALLOWED_UPDATES = ['message', 'callback_query'];

export interface UpdateLoopConfig {
  /** Long-poll timeout Telegram holds the request for (the client adds its own 10 s on top). */
  pollTimeoutSeconds: number;
  /** After a 409, wait this long before asking again. */
  conflictRetryMs: number;
  /** Network errors and 5xx. */
  backoff: BackoffConfig;
}

export const DEFAULT_UPDATE_LOOP: UpdateLoopConfig = {
  pollTimeoutSeconds: 25,
  conflictRetryMs: 60_000,
  backoff: { baseMs: 1000, maxMs: 60_000 },
};

export type UpdatesState = 'starting' | 'polling' | 'conflict' | 'failing' | 'follower' | 'stopped';

/** How long the update-reading lease lasts; the leader renews it every third of that. */
export const DEFAULT_LEAD_LEASE_MS = 15_000;

export interface UpdateLoopOptions {
  telegram: Pick<Telegram, 'getUpdates'>;
  store: Pick<AsyncStore, 'kvGet' | 'kvSet'>;
  logger: Logger;
  handle: (update: TgUpdate) => Promise<void>;
  config?: Partial<UpdateLoopConfig>;
  random?: () => number;
  /** Replicas sharing the database: only the leader reads updates. Null: this process reads them. */
  replicas?: ReplicaCoordination | null;
  leadLeaseMs?: number;
}

export type UpdateLoop = ReturnType<typeof startUpdateLoop>;

export const CONFLICT_MESSAGE =
  "another program is reading this bot's updates, or a webhook is set: buttons and commands do not work until it stops " +
  '(stop the other program, or remove the webhook with deleteWebhook), or set SENTRY_TG_UPDATES=false here';

export function startUpdateLoop(opts: UpdateLoopOptions) {
  const { telegram, store, logger, handle } = opts;
  const config = { ...DEFAULT_UPDATE_LOOP, ...opts.config };
  const random = opts.random ?? Math.random;
  const abort = new AbortController();
  let state: UpdatesState = 'starting';
  let handled = 0;
  const replicas = opts.replicas ?? null;
  const leaseMs = opts.leadLeaseMs ?? DEFAULT_LEAD_LEASE_MS;
  let leading = replicas === null;
  // Set when the lead is lost: the next time it leads, it reads the shared offset first.
  let staleOffset = true;
  let lostLead: AbortController | null = null;
  let leadTimer: NodeJS.Timeout | null = null;
  let offset: number | undefined;

  async function loadOffset(): Promise<void> {
    const saved = Number(replicas ? await replicas.updateOffset() : await store.kvGet(OFFSET_KEY));
    offset = Number.isSafeInteger(saved) && saved > 0 ? saved : undefined;
  }

  async function saveOffset(next: number): Promise<boolean> {
    if (!replicas) {
      await store.kvSet(OFFSET_KEY, String(next));
      return true;
    }
    return replicas.saveUpdateOffset(next, replicas.replicaId);
  }

  /** Takes or renews the lead; false: another replica reads the updates. */
  async function lead(): Promise<boolean> {
    if (!replicas) return true;
    let now: boolean;
    try {
      now = await replicas.tryLead(replicas.replicaId, leaseMs);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not reach the database to lead update reading');
      now = false;
    }
    if (now && !leading) logger.info('this replica reads Telegram updates now');
    if (!now && leading) {
      logger.warn('another replica reads Telegram updates now');
      lostLead?.abort();
    }
    if (!now) staleOffset = true;
    leading = now;
    return now;
  }

  /** Resolves after `ms`, or at once when the loop is stopped. */
  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      }
      abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  async function loop(): Promise<void> {
    let failures = 0;
    if (!replicas) {
      try {
        await loadOffset();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'could not read the saved updates offset: starting from Telegram\'s');
      }
    }
    while (!abort.signal.aborted) {
      if (replicas) {
        if (!(await lead())) {
          state = 'follower';
          await pause(leaseMs / 3);
          continue;
        }
        if (staleOffset) {
          try {
            await loadOffset();
            staleOffset = false;
          } catch (err) {
            logger.warn({ err: (err as Error).message }, 'could not read the shared updates offset: will retry');
            leading = false;
            await pause(1000);
            continue;
          }
        }
        // The lease is renewed while the long poll runs; losing it ends the poll.
        lostLead = new AbortController();
        leadTimer ??= setInterval(() => void lead(), leaseMs / 3);
      }
      const signal = lostLead ? AbortSignal.any([abort.signal, lostLead.signal]) : abort.signal;
      let updates: TgUpdate[];
      try {
        updates = await telegram.getUpdates(
          {
            ...(offset !== undefined ? { offset } : {}),
            timeout: config.pollTimeoutSeconds,
            limit: 100,
            allowed_updates: ALLOWED_UPDATES,
          },
          signal,
        );
      } catch (err) {
        if (abort.signal.aborted) break;
        if (!leading) continue;
        if (err instanceof TelegramApiError && err.code === 409) {
          if (state !== 'conflict') logger.error({ telegram: err.description }, `Telegram updates: ${CONFLICT_MESSAGE}`);
          state = 'conflict';
          await pause(config.conflictRetryMs);
          continue;
        }
        const delay = backoffMs(failures, config.backoff, random);
        if (failures === 0 || state !== 'failing') {
          logger.warn({ err: (err as Error).message, retryInMs: delay }, 'could not read Telegram updates: will retry');
        }
        failures += 1;
        state = 'failing';
        await pause(delay);
        continue;
      }
      if (state === 'conflict' || state === 'failing') logger.info('reading Telegram updates again');
      state = 'polling';
      failures = 0;
      for (const update of updates) {
        if (abort.signal.aborted || !leading) break;
        try {
          await handle(update);
        } catch (err) {
          logger.error({ err, updateId: update.update_id }, 'handling a Telegram update failed');
        }
        offset = update.update_id + 1;
        handled += 1;
        try {
          if (!(await saveOffset(offset))) {
            // Deposed: the new leader carries on from the shared offset.
            leading = false;
            staleOffset = true;
            break;
          }
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'could not save the updates offset');
        }
      }
    }
    if (leadTimer) clearInterval(leadTimer);
    if (replicas && leading) {
      // A clean stop hands the lead over now: another replica takes it within its next try
      // (a third of the lease), not when the lease runs out.
      leading = false;
      try {
        await replicas.releaseLead(replicas.replicaId);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'could not release the update-reading lease: another replica takes over when it expires');
      }
    }
    state = 'stopped';
  }

  const done = loop();

  return {
    state: (): UpdatesState => state,
    /** Whether this process reads the updates (always, without replicas). */
    leading: (): boolean => leading,
    handled: (): number => handled,
    /** Ends a long poll in flight and waits for the update being handled. */
    async stop(): Promise<void> {
      abort.abort();
      await done;
    },
  };
}
