// Reads what people do in Telegram (button presses, commands) by long polling getUpdates.
// The offset is saved after every handled update, so a restart resumes where it stopped and no
// update is handled twice. A 409 (another program polls this bot, or a webhook is set) is
// logged once with the fix and retried slowly; network errors back off; close() ends a long
// poll in flight at once.
import type { Logger } from '../log/logger.js';
import { backoffMs, type BackoffConfig } from '../deliver/pacing.js';
import type { Telegram } from '../telegram/client.js';
import { TelegramApiError } from '../telegram/errors.js';
import type { TgUpdate } from '../telegram/types.js';
import type { Store } from '../store/store.js';

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

export type UpdatesState = 'starting' | 'polling' | 'conflict' | 'failing' | 'stopped';

export interface UpdateLoopOptions {
  telegram: Pick<Telegram, 'getUpdates'>;
  store: Pick<Store, 'kvGet' | 'kvSet'>;
  logger: Logger;
  handle: (update: TgUpdate) => Promise<void>;
  config?: Partial<UpdateLoopConfig>;
  random?: () => number;
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

  const saved = Number(store.kvGet(OFFSET_KEY));
  let offset: number | undefined = Number.isSafeInteger(saved) && saved > 0 ? saved : undefined;

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
    while (!abort.signal.aborted) {
      let updates: TgUpdate[];
      try {
        updates = await telegram.getUpdates(
          {
            ...(offset !== undefined ? { offset } : {}),
            timeout: config.pollTimeoutSeconds,
            limit: 100,
            allowed_updates: ALLOWED_UPDATES,
          },
          abort.signal,
        );
      } catch (err) {
        if (abort.signal.aborted) break;
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
        if (abort.signal.aborted) break;
        try {
          await handle(update);
        } catch (err) {
          logger.error({ err, updateId: update.update_id }, 'handling a Telegram update failed');
        }
        offset = update.update_id + 1;
        handled += 1;
        store.kvSet(OFFSET_KEY, String(offset));
      }
    }
    state = 'stopped';
  }

  const done = loop();

  return {
    state: (): UpdatesState => state,
    handled: (): number => handled,
    /** Ends a long poll in flight and waits for the update being handled. */
    async stop(): Promise<void> {
      abort.abort();
      await done;
    },
  };
}
