// What the delivery modules share: the store, the Telegram calls, the clock and the settings.
// The dispatcher builds one and hands it to each part (issue sync, digests, button jobs).
import type { Locale } from '../i18n/index.js';
import type { Logger } from '../log/logger.js';
import type { AsyncStore } from '../store/async-store.js';
import type { TelegramStatus } from '../telegram/reachability.js';
import type { TelegramCalls } from './calls.js';
import type { DestinationOf } from './destinations.js';
import type { BackoffConfig, createPacer } from './pacing.js';

export interface StormConfig {
  /** Repeats of one issue within this time edit its message instead of posting a new one. */
  windowMs: number;
  /** Digest a chat's distinct new alerts when sending them one by one would take longer than this. */
  digestAfterMs: number;
  digestMaxLines: number;
}

export const DEFAULT_STORM: StormConfig = { windowMs: 60 * 60_000, digestAfterMs: 10_000, digestMaxLines: 30 };

/** Write-back is on: issue messages carry Resolve / Archive buttons for this organisation. */
export interface ActionsConfig {
  org: string;
}

export interface DeliveryContext {
  store: AsyncStore;
  logger: Logger;
  status: TelegramStatus;
  now: () => number;
  random: () => number;
  pacer: ReturnType<typeof createPacer>;
  backoff: BackoffConfig;
  storm: StormConfig;
  /** Null: messages get only the "View in Sentry" link button. */
  actions: ActionsConfig | null;
  /** The short key a message's buttons carry in callback_data. */
  newKey: () => string;
  /** The language of messages, buttons and status lines where no route says otherwise. */
  locale: Locale;
  /** A target's locale, template set and quiet hours, by chat and the route that chose it. */
  destinationOf: DestinationOf;
  calls: TelegramCalls;
}
