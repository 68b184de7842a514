// A whole healthy installation against the fakes: fake Telegram (a forum supergroup), fake
// Sentry (token, org, project, the WebHooks plugin or an internal integration, an alert rule),
// a real receiver in-process, and a .env (mode 0600) describing it all. Tests break one piece
// and run the CLI through `main` with an in-memory context.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runProgram } from '../../src/context/exec.js';
import type { Context } from '../../src/context/context.js';
import { main } from '../../src/cli/main.js';
import { createOutput } from '../../src/context/output.js';
import { startReceiver, type Receiver } from '../../src/commands/serve.js';
import { silentLogger } from '../../src/log/logger.js';
import { pluginCallbackUrl, WEBHOOK_PATH } from '../../src/receive/verify.js';
import { createSentryApi, type SentryApi } from '../../src/sentry/api.js';
import { startFakeSentry, type FakeSentry } from '../fakes/sentry.js';
import { FAKE_TOKEN, startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { serveSettings } from '../helpers.js';

export const CHAT_ID = -1001234567890;
export const TOPIC_ID = 7;
export const ORG = 'acme';
export const PROJECT = 'backend';
export const SENTRY_TOKEN = `sntryu_${'fake0123456789ab'.repeat(4)}`;
export const PLUGIN_SECRET = 'doctor-test-webhook-secret-0123456789';
export const ALL_SCOPES = ['org:read', 'org:write', 'project:read', 'project:write', 'alerts:write', 'event:read', 'event:write'];
const NOTIFY_SERVICE = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';
const FIRST_SEEN = 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition';

export interface Captured {
  ctx: Context;
  stdout(): string;
  stderr(): string;
}

function sink(into: { text: string }): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      into.text += chunk.toString();
      done();
    },
  });
}

/** A Context with captured output, no prompts, no tunnel and an empty environment. */
export function fakeContext(cwd: string, env: NodeJS.ProcessEnv = {}): Captured {
  const out = { text: '' };
  const err = { text: '' };
  const stdout = sink(out);
  const stderr = sink(err);
  const refuse = () => {
    throw new Error('unexpected prompt in a test');
  };
  const ctx: Context = {
    argv: [],
    env,
    cwd,
    stdout,
    stderr,
    interactive: false,
    out: createOutput(stdout, stderr, { NO_COLOR: '1' }),
    prompts: { input: refuse, password: refuse, select: refuse, confirm: refuse },
    fetch: globalThis.fetch,
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    exec: runProgram,
    openTunnel: () => Promise.reject(new Error('no tunnels in tests')),
    untilSignal: () => new Promise<string>(() => undefined),
  };
  return { ctx, stdout: () => out.text, stderr: () => err.text };
}

export async function runCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const captured = fakeContext(cwd, env);
  const code = await main(['node', 'sentry-tg', ...args], captured.ctx);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

export interface JsonCheck {
  id: string;
  title: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

export function writeEnv(path: string, values: Record<string, string | number | undefined>): void {
  const lines = Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export interface Healthy {
  dir: string;
  envFile: string;
  env: Record<string, string | number | undefined>;
  tg: FakeTelegram;
  sentry: FakeSentry;
  api: SentryApi;
  receiver: Receiver;
  secret: string;
  /** The internal integration's slug (integration mode). */
  appSlug?: string;
  /** Runs `sentry-tg doctor --json` with the .env plus extra flags. */
  doctor(extra?: string[]): Promise<{ code: number; report: { ok: boolean; checks: JsonCheck[] }; stdout: string; stderr: string }>;
  check(checks: JsonCheck[], id: string): JsonCheck;
  close(): Promise<void>;
}

export async function startHealthy(mode: 'plugin' | 'integration' = 'plugin', opts: { topic?: boolean; /** SENTRY_PROJECT of the receiver (default: unset = every project). */ scope?: string } = {}): Promise<Healthy> {
  const dir = mkdtempSync(join(tmpdir(), 'sentry-tg-doctor-'));
  const tg = await startFakeTelegram({
    limits: false,
    chats: [{ id: CHAT_ID, type: 'supergroup', title: 'Alerts', isForum: true, topics: [TOPIC_ID], botStatus: 'administrator' }],
  });
  const sentry = await startFakeSentry();
  sentry.addToken(SENTRY_TOKEN, ALL_SCOPES);
  sentry.addOrg(ORG);
  sentry.addProject(ORG, PROJECT);
  const api = createSentryApi({ baseUrl: sentry.url, token: SENTRY_TOKEN });

  let secret = PLUGIN_SECRET;
  let appSlug: string | undefined;
  if (mode === 'integration') {
    // The client secret exists only once the integration does; its URL is set once the receiver listens.
    const app = await api.createInternalIntegration({
      org: ORG,
      name: 'Telegram alerts',
      webhookUrl: 'http://127.0.0.1:1/api/sentry-webhook',
      events: ['issue', 'error'],
      scopes: ['event:read'],
      isAlertable: true,
    });
    secret = app.clientSecret!;
    appSlug = app.slug;
  }

  const dataDir = join(dir, 'data');
  const receiver = await startReceiver({
    settings: serveSettings({
      telegramToken: FAKE_TOKEN,
      chatId: String(CHAT_ID),
      dataDir,
      telegramApiRoot: tg.url,
      webhookSecret: secret,
      ...(opts.topic ? { topicId: TOPIC_ID } : {}),
      ...(opts.scope !== undefined ? { sentryProject: opts.scope } : {}),
    }),
    logger: silentLogger(),
    pacing: { privateGapMs: 0, groupPerMinute: 100_000, globalPerSecond: 10_000 },
  });
  const publicUrl = receiver.localUrl;
  const port = Number(new URL(publicUrl).port);

  if (mode === 'plugin') {
    await api.enableWebhooksPlugin(ORG, PROJECT);
    await api.setWebhookUrls(ORG, PROJECT, [pluginCallbackUrl(publicUrl, secret)]);
  } else {
    await api.updateSentryApp(appSlug!, { webhookUrl: `${publicUrl}${WEBHOOK_PATH}` });
  }
  await api.createRule(ORG, PROJECT, {
    name: 'Send to Telegram',
    frequency: 30,
    actionMatch: 'any',
    conditions: [{ id: FIRST_SEEN }],
    actions: [{ id: NOTIFY_SERVICE, service: mode === 'plugin' ? 'webhooks' : appSlug! }],
  });

  const env = {
    SENTRY_ALERT_TELEGRAM_TOKEN: FAKE_TOKEN,
    SENTRY_ALERT_CHAT_ID: CHAT_ID,
    SENTRY_ALERT_TOPIC_ID: opts.topic ? TOPIC_ID : undefined,
    SENTRY_WEBHOOK_SECRET: secret,
    SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
    SENTRY_ORG: ORG,
    SENTRY_PROJECT: PROJECT,
    SENTRY_URL: sentry.url,
    TELEGRAM_API_ROOT: tg.url,
    SENTRY_TG_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: port,
    PUBLIC_URL: publicUrl,
  };
  const envFile = join(dir, '.env');
  writeEnv(envFile, env);

  const healthy: Healthy = {
    dir,
    envFile,
    env,
    tg,
    sentry,
    api,
    receiver,
    secret,
    ...(appSlug ? { appSlug } : {}),
    async doctor(extra = []) {
      const { code, stdout, stderr } = await runCli(dir, ['--env-file', envFile, 'doctor', '--json', '--timeout', '3', ...extra]);
      return { code, report: JSON.parse(stdout) as { ok: boolean; checks: JsonCheck[] }, stdout, stderr };
    },
    check(checks, id) {
      const found = checks.find((c) => c.id === id);
      if (!found) throw new Error(`no check ${id} in ${checks.map((c) => c.id).join(', ')}`);
      return found;
    },
    async close() {
      await receiver.close();
      await Promise.all([tg.close(), sentry.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return healthy;
}
