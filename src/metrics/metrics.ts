// The receiver's Prometheus metrics (prom-client), in a registry of their own. Events are counted
// through two observers handed to the parts that see them (the webhook handler, the Telegram
// client), so neither imports this module; levels (queue, parked, muted) are read from the
// store at scrape time, from the same snapshot /health and the bot's /status report.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WebhookObserver, WebhookOutcome } from '../receive/webhook.js';
import { DEFAULT_ROUTE_NAME, KNOWN_RESOURCES } from '../route/config.js';
import type { StoreStats } from '../store/store.js';
import type { CallObserver } from '../telegram/client.js';
import { VERSION } from '../version.js';

/** What the gauges show, read once per scrape. */
export interface Figures {
  queue: Pick<StoreStats, 'pending' | 'oldestPendingAt' | 'parked' | 'muted' | 'pendingByRoute'>;
  /** null: not known yet (no call answered since start). */
  telegramReachable: boolean | null;
  storageOk: boolean;
}

export interface MetricsInput {
  figures: () => Figures;
  now: () => number;
}

export interface Metrics {
  onWebhook: WebhookObserver;
  onTelegramCall: CallObserver;
  /** An accepted webhook got new rows for these routes (one per target; names from the routes file). */
  onRouted(routes: readonly string[]): void;
  /** An alert matched no route and there is no default: acknowledged, not posted. */
  onUnrouted(): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ text: string; contentType: string }>;
}

/** The outcome label of each way a webhook ends (the type keeps this table complete). */
export const OUTCOME_LABELS: Record<WebhookOutcome, string> = {
  accepted: 'accepted',
  duplicate: 'duplicate',
  'ignored: other project': 'out_of_scope',
  unrouted: 'unrouted',
  'rejected: malformed URL': 'bad_request',
  'rejected: method': 'method_not_allowed',
  'rejected: too large': 'too_large',
  'rejected: bad or missing signature': 'unauthorized',
  'rejected: stale timestamp': 'stale_timestamp',
  'rejected: content type': 'unsupported_type',
  'rejected: invalid JSON': 'bad_request',
  'failed: storage': 'storage_failed',
  'failed: internal': 'internal_error',
};

const KNOWN = new Set<string>(KNOWN_RESOURCES);

/** The header comes from the network: only known values become labels, so series stay few. */
export function resourceLabel(header: string | undefined): string {
  if (header === undefined) return 'legacy';
  return KNOWN.has(header) ? header : 'other';
}

// Sentry gives up after 1 s: the buckets are dense below it.
const ANSWER_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(input: MetricsInput): Metrics {
  const registry = new Registry();
  const registers = [registry];
  // process_* and nodejs_* keep their standard names, so stock dashboards read them.
  collectDefaultMetrics({ register: registry });

  // The webhook path only bumps a number here; prom-client hears of it at scrape time.
  const webhookCounts = new Map<string, Map<string, number>>();
  new Counter({
    name: 'sentry_tg_webhooks_total',
    help: 'Webhook requests answered, by Sentry-Hook-Resource (legacy: the plugin; other: unknown) and outcome.',
    labelNames: ['resource', 'outcome'] as const,
    registers,
    collect() {
      this.reset();
      for (const [resource, byOutcome] of webhookCounts) {
        for (const [outcome, n] of byOutcome) this.inc({ resource, outcome }, n);
      }
    },
  });
  const answerSeconds = new Histogram({
    name: 'sentry_tg_webhook_answer_seconds',
    help: 'Time from a webhook request to its answer (accepted ones include the commit and fsync).',
    buckets: ANSWER_BUCKETS_SECONDS,
    registers,
  });

  const telegramCalls = new Counter({
    name: 'sentry_tg_telegram_calls_total',
    help: 'Telegram Bot API calls by method and result: ok, 429, 4xx, 5xx or network (no answer).',
    labelNames: ['method', 'result'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: 'sentry_tg_telegram_rate_limited_total',
    help: 'Telegram calls answered 429 Too Many Requests.',
    registers,
  });
  const retryAfter = new Counter({
    name: 'sentry_tg_telegram_retry_after_seconds_total',
    help: 'Sum of the retry_after seconds Telegram asked for in its 429 answers.',
    registers,
  });

  // Route names come from the routes file (never the network), so the series stay few.
  const routed = new Counter({
    name: 'sentry_tg_routed_alerts_total',
    help: 'Alerts accepted for posting, by route (one per target chat: a fan-out counts in each route; default: the default chat).',
    labelNames: ['route'] as const,
    registers,
  });
  const unrouted = new Counter({
    name: 'sentry_tg_unrouted_alerts_total',
    help: 'Alerts that matched no route with no default chat: acknowledged, logged and not posted (/health: unrouted).',
    registers,
  });

  // Read once at the start of each scrape, so every gauge shows the same moment.
  let current: Figures | null = null;
  let scrapedAtMs = 0;
  const single = (name: string, help: string, value: (f: Figures) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (current) this.set(value(current));
      },
    });
  // The queue as one (what /health and /status show), and split by the route that chose each
  // row's target (one GROUP BY in the store's periodic read, not one per scrape).
  single('sentry_tg_outbox_pending', 'Alerts accepted and waiting to be posted.', (f) => f.queue.pending);
  single('sentry_tg_outbox_oldest_pending_age_seconds', 'Age of the oldest alert waiting to be posted; 0 when none waits.', (f) =>
    f.queue.oldestPendingAt === null ? 0 : Math.max(0, (scrapedAtMs - f.queue.oldestPendingAt) / 1000),
  );
  const byRoute = (name: string, help: string, value: (r: Figures['queue']['pendingByRoute'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['route'] as const,
      registers,
      collect() {
        if (!current) return;
        // Routes whose queue emptied disappear instead of staying at their last value.
        this.reset();
        for (const r of current.queue.pendingByRoute) this.set({ route: r.route ?? DEFAULT_ROUTE_NAME }, value(r));
      },
    });
  byRoute('sentry_tg_outbox_pending_by_route', 'Alerts waiting to be posted, by route (default: rows without a route).', (r) => r.pending);
  byRoute(
    'sentry_tg_outbox_oldest_pending_age_by_route_seconds',
    'Age of the oldest alert waiting to be posted, by route (default: rows without a route).',
    (r) => Math.max(0, (scrapedAtMs - r.oldestPendingAt) / 1000),
  );
  single('sentry_tg_alerts_parked', 'Alerts that could not be delivered and wait for a human (/health: undeliverable).', (f) => f.queue.parked);
  single('sentry_tg_alerts_muted', 'Alerts counted but not posted because their issue was muted (kept 7 days).', (f) => f.queue.muted);
  single('sentry_tg_telegram_reachable', 'Whether Telegram answered the last call: 1 yes, 0 no, -1 not known yet.', (f) =>
    f.telegramReachable === null ? -1 : Number(f.telegramReachable),
  );
  single('sentry_tg_storage_ok', 'Whether the last commit reached the disk: 1 yes, 0 no (webhooks get 503).', (f) => Number(f.storageOk));
  new Gauge({ name: 'sentry_tg_build_info', help: 'Always 1; the version is the label.', labelNames: ['version'] as const, registers }).set(
    { version: VERSION },
    1,
  );

  return {
    onWebhook(resource, outcome, seconds) {
      const r = resourceLabel(resource);
      const o = OUTCOME_LABELS[outcome];
      let byOutcome = webhookCounts.get(r);
      if (!byOutcome) webhookCounts.set(r, (byOutcome = new Map()));
      byOutcome.set(o, (byOutcome.get(o) ?? 0) + 1);
      answerSeconds.observe(seconds);
    },
    onTelegramCall(method, result, retryAfterSeconds) {
      telegramCalls.inc({ method, result });
      if (result !== '429') return;
      rateLimited.inc();
      if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) retryAfter.inc(retryAfterSeconds);
    },
    onRouted(routes) {
      for (const route of routes) routed.inc({ route });
    },
    onUnrouted() {
      unrouted.inc();
    },
    async scrape() {
      current = input.figures();
      scrapedAtMs = input.now();
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
