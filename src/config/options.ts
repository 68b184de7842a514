// The single list of settings: each has an env name, a flag, a default and a parser.
// The commander program, the README table and validation are all driven from it.
import { UserError } from '../errors.js';
import { isLocale, localeFromEnv, type Locale } from '../i18n/locale.js';
import { ok, bad, TOKEN_SHAPE, CHAT_ID_SHAPE, text, int, bool, httpUrl, byteSize, listenAddress, userIds } from './parse.js';

export interface OptionDef<T> {
  /** Environment variable (and `.env` key). */
  env: string;
  /** Long flag without dashes, e.g. `chat-id`. */
  flag: string;
  /** Placeholder shown in --help, e.g. `<id>`. */
  arg: string;
  description: string;
  /** Default shown in --help and the README; undefined = none. */
  defaultText?: string;
  /** Secrets are masked in prompts and never printed. */
  secret?: boolean;
  /** Turns a raw string into a value, or returns an error message. */
  parse: (raw: string) => { value: T } | { error: string };
  fallback?: T;
  /** A default that depends on the environment (e.g. LANG); takes precedence over `fallback`. */
  fallbackFrom?: (env: Readonly<Record<string, string | undefined>>) => T;
}

/** The routes file `serve` reads from the working directory when SENTRY_TG_ROUTES is not set. */
export const DEFAULT_ROUTES_FILE = 'sentry-tg.routes.yaml';

export const OPTIONS = {
  telegramToken: {
    env: 'SENTRY_ALERT_TELEGRAM_TOKEN',
    flag: 'telegram-token',
    arg: '<token>',
    description: 'Telegram bot token from @BotFather',
    secret: true,
    parse: (raw) =>
      TOKEN_SHAPE.test(raw.trim())
        ? ok(raw.trim())
        : bad('does not look like a bot token (digits:secret from @BotFather)'),
  } satisfies OptionDef<string>,
  chatId: {
    env: 'SENTRY_ALERT_CHAT_ID',
    flag: 'chat-id',
    arg: '<id>',
    description: 'Telegram chat id that receives alerts (-100… for groups, or @channel); with a routes file, the default chat (optional)',
    parse: (raw) => {
      const v = raw.trim();
      const link = /t\.me\/c\/(\d+)/.exec(v);
      if (link) return ok(`-100${link[1]}`);
      return CHAT_ID_SHAPE.test(v) ? ok(v) : bad(`must be a chat id such as -1001234567890, got "${raw}"`);
    },
  } satisfies OptionDef<string>,
  topicId: {
    env: 'SENTRY_ALERT_TOPIC_ID',
    flag: 'topic-id',
    arg: '<id>',
    description: 'forum topic (message_thread_id); empty = the General topic',
    parse: (raw) => (raw.trim() === '' ? ok(undefined) : int(1, 2 ** 31)(raw)),
  } satisfies OptionDef<number | undefined>,
  webhookSecret: {
    env: 'SENTRY_WEBHOOK_SECRET',
    flag: 'webhook-secret',
    arg: '<secret>',
    description: 'integration client secret (HMAC); also derives the plugin URL token',
    secret: true,
    parse: (raw) => (raw.trim().length >= 16 ? ok(raw.trim()) : bad('must be at least 16 characters')),
  } satisfies OptionDef<string>,
  sentryAuthToken: {
    env: 'SENTRY_AUTH_TOKEN',
    flag: 'sentry-token',
    arg: '<token>',
    description: 'Sentry API auth token (setup, doctor, buttons)',
    secret: true,
    parse: (raw) => (raw.trim().length >= 20 ? ok(raw.trim()) : bad('looks too short for a Sentry auth token')),
  } satisfies OptionDef<string>,
  sentryOrg: {
    env: 'SENTRY_ORG',
    flag: 'org',
    arg: '<slug>',
    description: 'Sentry organisation slug',
    parse: text,
  } satisfies OptionDef<string>,
  sentryProject: {
    env: 'SENTRY_PROJECT',
    flag: 'project',
    arg: '<slug>',
    description: 'Sentry project slug(s), comma-separated: alerts of other projects are not posted (empty = every project)',
    parse: text,
  } satisfies OptionDef<string>,
  mode: {
    env: 'SENTRY_TG_MODE',
    flag: 'mode',
    arg: '<mode>',
    description: 'how Sentry calls us: plugin (legacy WebHooks) or integration (internal integration); saved by setup',
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      return v === 'plugin' || v === 'integration' ? ok(v) : bad(`must be "plugin" or "integration", not "${raw}"`);
    },
  } satisfies OptionDef<'plugin' | 'integration'>,
  integration: {
    env: 'SENTRY_TG_INTEGRATION',
    flag: 'integration',
    arg: '<slug>',
    description: "slug of this receiver's own internal integration (saved by setup; others are never repointed)",
    parse: text,
  } satisfies OptionDef<string>,
  sentryUrl: {
    env: 'SENTRY_URL',
    flag: 'sentry-url',
    arg: '<url>',
    description: 'Sentry base URL (region host or self-hosted)',
    defaultText: 'https://sentry.io',
    parse: httpUrl,
    fallback: 'https://sentry.io',
  } satisfies OptionDef<string>,
  sentryDsn: {
    env: 'SENTRY_DSN',
    flag: 'sentry-dsn',
    arg: '<dsn>',
    description: "where the receiver reports its own errors",
    parse: httpUrl,
  } satisfies OptionDef<string>,
  debugEndpoint: {
    env: 'SENTRY_TG_DEBUG_ENDPOINT',
    flag: 'debug-endpoint',
    arg: '<bool>',
    description: 'enable GET /sentry-debug (raises a test error)',
    defaultText: 'false',
    parse: bool,
    fallback: false,
  } satisfies OptionDef<boolean>,
  telegramApiRoot: {
    env: 'TELEGRAM_API_ROOT',
    flag: 'telegram-api-root',
    arg: '<url>',
    description: 'Telegram Bot API root (local Bot API server, proxy)',
    defaultText: 'https://api.telegram.org',
    parse: httpUrl,
    fallback: 'https://api.telegram.org',
  } satisfies OptionDef<string>,
  allowedUsers: {
    env: 'SENTRY_TG_ALLOWED_USERS',
    flag: 'allowed-users',
    arg: '<ids>',
    description: 'Telegram user ids allowed to press action buttons (comma-separated)',
    parse: userIds,
    fallback: [] as number[],
  } satisfies OptionDef<number[]>,
  locale: {
    env: 'SENTRY_TG_LOCALE',
    flag: 'locale',
    arg: '<en|ru>',
    description: 'language of everything the team reads in Telegram (messages, buttons, answers) and of setup and doctor; Sentry\'s own texts are never translated',
    defaultText: 'from LANG (ru… → ru, else en)',
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      return isLocale(v) ? ok(v) : bad(`must be en or ru, got "${raw}"`);
    },
    fallback: 'en',
    fallbackFrom: localeFromEnv,
  } satisfies OptionDef<Locale>,
  templates: {
    env: 'SENTRY_TG_TEMPLATES',
    flag: 'templates',
    arg: '<dir>',
    description: 'folder of your own templates: <name>.html and ru/<name>.html override the built-in ones, <set>/ folders are template sets for routes (README, "Templates")',
    parse: text,
  } satisfies OptionDef<string>,
  updates: {
    env: 'SENTRY_TG_UPDATES',
    flag: 'updates',
    arg: '<bool>',
    description: "read the bot's updates (buttons, commands) by long polling; false if another program reads them",
    defaultText: 'true',
    parse: bool,
    fallback: true,
  } satisfies OptionDef<boolean>,
  dataDir: {
    env: 'SENTRY_TG_DATA_DIR',
    flag: 'data-dir',
    arg: '<dir>',
    description: 'data directory (the delivery database)',
    defaultText: './data',
    parse: text,
    fallback: './data',
  } satisfies OptionDef<string>,
  fsync: {
    env: 'SENTRY_TG_FSYNC',
    flag: 'fsync',
    arg: '<mode>',
    description: 'full: answer Sentry only once the alert is on disk (survives a power cut); normal: survives a crash only',
    defaultText: 'full',
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      return v === 'full' || v === 'normal' ? ok(v) : bad(`must be full or normal, got "${raw}"`);
    },
    fallback: 'full',
  } satisfies OptionDef<'full' | 'normal'>,
  port: {
    env: 'PORT',
    flag: 'port',
    arg: '<port>',
    description: 'receiver port',
    defaultText: '8003',
    parse: int(0, 65535),
    fallback: 8003,
  } satisfies OptionDef<number>,
  host: {
    env: 'HOST',
    flag: 'host',
    arg: '<host>',
    description: 'receiver bind address (0.0.0.0 to accept from other hosts)',
    defaultText: '127.0.0.1',
    parse: text,
    fallback: '127.0.0.1',
  } satisfies OptionDef<string>,
  publicUrl: {
    env: 'PUBLIC_URL',
    flag: 'public-url',
    arg: '<url>',
    description: 'public base URL of the receiver (instead of a tunnel)',
    parse: httpUrl,
  } satisfies OptionDef<string>,
  ngrokAuthtoken: {
    env: 'NGROK_AUTHTOKEN',
    flag: 'ngrok-authtoken',
    arg: '<token>',
    description: "ngrok's auth token (for a tunnel)",
    secret: true,
    parse: text,
  } satisfies OptionDef<string>,
  logFile: {
    env: 'LOG_FILE',
    flag: 'log-file',
    arg: '<path>',
    description: 'also write JSON logs to this file',
    parse: text,
  } satisfies OptionDef<string>,
  bodyLimitBytes: {
    env: 'SENTRY_TG_BODY_LIMIT',
    flag: 'body-limit',
    arg: '<size>',
    description: 'largest webhook body accepted',
    defaultText: '1mb',
    parse: byteSize,
    fallback: 1024 * 1024,
  } satisfies OptionDef<number>,
  replayWindowSeconds: {
    env: 'SENTRY_TG_REPLAY_WINDOW',
    flag: 'replay-window',
    arg: '<seconds>',
    description: 'refuse signed webhooks whose Sentry-Hook-Timestamp is further off than this; 0 = never',
    defaultText: '300',
    parse: int(0, 7 * 24 * 3600),
    fallback: 300,
  } satisfies OptionDef<number>,
  routes: {
    env: 'SENTRY_TG_ROUTES',
    flag: 'routes',
    arg: '<path>',
    description: 'routes file (YAML): which chat, topic, locale and quiet hours each alert gets; checked at start-up',
    defaultText: './sentry-tg.routes.yaml if it exists',
    parse: text,
  } satisfies OptionDef<string>,
  metricsAddr: {
    env: 'SENTRY_TG_METRICS_ADDR',
    flag: 'metrics-addr',
    arg: '<addr>',
    description: 'host:port of a separate listener for Prometheus GET /metrics, e.g. 127.0.0.1:9464 (empty = off)',
    parse: listenAddress,
  } satisfies OptionDef<{ host: string; port: number } | undefined>,
  databaseUrl: {
    env: 'SENTRY_TG_DATABASE_URL',
    flag: 'database-url',
    arg: '<url>',
    description: 'postgres://user:password@host:5432/db: share one PostgreSQL database between replicas instead of the local SQLite file',
    secret: true,
    parse: (raw) => {
      const v = raw.trim();
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        return bad('must be a URL like postgres://user:password@host:5432/database');
      }
      return url.protocol === 'postgres:' || url.protocol === 'postgresql:'
        ? ok(v)
        : bad(`must start with postgres:// (got ${url.protocol}//)`);
    },
  } satisfies OptionDef<string>,
  replicaId: {
    env: 'SENTRY_TG_REPLICA_ID',
    flag: 'replica-id',
    arg: '<id>',
    description: "this replica's name in the shared database (unique per running process)",
    defaultText: 'host-pid-random',
    parse: (raw) => (/^[\w.:@-]{1,100}$/.test(raw.trim()) ? ok(raw.trim()) : bad('letters, digits and . _ : @ - only, at most 100')),
  } satisfies OptionDef<string>,
} as const;

export type OptionKey = keyof typeof OPTIONS;

type ValueOf<K extends OptionKey> =
  (typeof OPTIONS)[K] extends OptionDef<infer T> ? T : never;

type HasFallback<K extends OptionKey> = (typeof OPTIONS)[K] extends { fallback: unknown } ? K : never;

/** Resolved settings: keys with a default are always present. */
export type Settings = { [K in OptionKey as HasFallback<K>]: ValueOf<K> } & {
  [K in Exclude<OptionKey, HasFallback<OptionKey>>]?: ValueOf<K>;
};

export const SECRET_ENV_NAMES: string[] = Object.values(OPTIONS)
  .filter((o: OptionDef<unknown>) => o.secret)
  .map((o) => o.env);

/** `--timeout <seconds>` of doctor and test-send, in ms; undefined takes the default. */
export function timeoutFlagMs(raw: string | undefined, defaultMs: number): number {
  if (raw === undefined) return defaultMs;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError(`--timeout must be a number of seconds, got "${raw}".`);
  }
  return Math.round(seconds * 1000);
}
