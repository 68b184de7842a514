// `sentry-tg test-send`: a sample alert through the same pipeline `serve` runs (wirePipeline:
// intake — normalise, route, group —, the outbox, the dispatcher — render, pacing, plain-text
// fallback, Telegram error handling) over an in-memory store, so a running receiver is never
// disturbed.
import type { Context } from '../context/context.js';
import type { Loaded } from '../config/load.js';
import { timeoutFlagMs } from '../config/options.js';
import type { Locale } from '../i18n/index.js';
import type { DispatcherOptions } from '../deliver/dispatcher.js';
import { explainError } from './hints.js';
import { classifyTelegramError } from '../deliver/telegram-verdict.js';
import { createTelegram, type Telegram } from '../telegram/client.js';
import { TelegramApiError } from '../telegram/errors.js';
import { UserError } from '../errors.js';
import { createLogger, silentLogger } from '../log/logger.js';
import { registerSecret } from '../log/redact.js';
import { normalise } from '../normalise/normalise.js';
import { render } from '../render/render.js';
import { loadTemplates } from '../render/templates.js';
import { wirePipeline } from '../pipeline/wire.js';
import { asyncStore, type AsyncStore } from '../store/async-store.js';
import { openStore } from '../store/store.js';
import { isSampleKind, samplePayload, SAMPLE_KINDS, type SampleKind } from './samples.js';
import { DEFAULT_PACING } from '../deliver/pacing.js';

export const DEFAULT_SEND_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

export interface TestSendFlags {
  kind?: string;
  all?: boolean;
  dryRun?: boolean;
  debug?: boolean;
  /** Seconds, as typed. */
  timeout?: string;
}

/** Test seams: the dispatcher's pacing and backoff (real defaults otherwise). */
export interface TestSendOptions {
  pacing?: DispatcherOptions['pacing'];
  backoff?: DispatcherOptions['backoff'];
}

export type SendOutcome =
  | { kind: SampleKind; status: 'sent'; messageId: number; chatId: string; notes: string[] }
  | { kind: SampleKind; status: 'failed'; reason: string; hint: string; /** Every other kind would fail the same way. */ general: boolean };

function kindsOf(flags: TestSendFlags): SampleKind[] {
  if (flags.all) return [...SAMPLE_KINDS];
  const kind = (flags.kind ?? 'error').trim().toLowerCase();
  if (!isSampleKind(kind)) {
    throw new UserError(`Unknown kind "${flags.kind}".`, `Choose one of: ${SAMPLE_KINDS.join(', ')} (or --all).`);
  }
  return [kind];
}

/** What each kind looks like in Telegram, without Telegram. */
export function dryRun(ctx: Pick<Context, 'out'>, kinds: readonly SampleKind[], debug: boolean, locale: Locale = 'en'): void {
  for (const [i, kind] of kinds.entries()) {
    const sample = samplePayload(kind);
    const rendered = render(normalise(sample), {}, locale);
    if (i > 0) ctx.out.plain('');
    ctx.out.info(`${kind} (${sample.resource ?? 'legacy plugin'}): the message would read:`);
    ctx.out.plain('');
    ctx.out.plain(rendered.plain);
    for (const row of rendered.buttons) ctx.out.plain(row.map((b) => `[ ${b.text} ]`).join(' '));
    if (debug) {
      ctx.out.plain('');
      ctx.out.plain('HTML sent to Telegram:');
      ctx.out.plain(rendered.html);
    }
  }
}

/** A Telegram failure as one line and its fix, the way main and doctor say it. */
function explain(err: unknown, apiRoot: string): { reason: string; hint: string } {
  const { problem, fix } = explainError(err, { telegramApiRoot: apiRoot });
  return { reason: problem, hint: fix };
}

/** Token, chat and network problems refuse every message, whatever its content. */
function isGeneral(err: unknown): boolean {
  if (!(err instanceof TelegramApiError)) return true;
  return err.code === 401 || err.code === 403 || err.code === 429 || /chat not found|rights|thread not found/i.test(err.description);
}

interface Pipeline {
  sendOne(kind: SampleKind): Promise<SendOutcome>;
  close(): Promise<void>;
}

function pipeline(
  ctx: Pick<Context, 'fetch' | 'now' | 'stderr'>,
  settings: { telegramToken: string; chatId: string; topicId?: number | undefined; telegramApiRoot: string; locale?: Locale },
  timeoutMs: number,
  debug: boolean,
  opts: TestSendOptions,
): Pipeline {
  const store: AsyncStore = asyncStore(openStore({ dataDir: '', filename: ':memory:' }));
  const client = createTelegram({ apiRoot: settings.telegramApiRoot, token: settings.telegramToken, fetch: ctx.fetch });
  // Every error Telegram gives while a sample is delivered, to explain the outcome.
  let errors: unknown[] = [];
  const recording = <A extends unknown[], R>(call: (...a: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (err) {
        errors.push(err);
        throw err;
      }
    };
  const telegram: Pick<Telegram, 'sendMessage' | 'editMessageText'> = {
    sendMessage: recording(client.sendMessage),
    editMessageText: recording(client.editMessageText),
  };
  const { intake, dispatcher } = wirePipeline({
    store,
    telegram,
    routeConfig: { chatId: settings.chatId, topicId: settings.topicId },
    logger: debug ? createLogger({ stream: ctx.stderr, level: 'debug' }) : silentLogger(),
    now: ctx.now,
    // A transient failure is retried, but not for the 24 h serve allows: the user is waiting.
    giveUpAfterMs: timeoutMs,
    ...(opts.pacing ? { pacing: opts.pacing } : {}),
    backoff: { baseMs: 500, maxMs: 5000, ...opts.backoff },
    ...(settings.locale ? { locale: settings.locale } : {}),
  });
  dispatcher.start();

  async function settle(id: number): Promise<Awaited<ReturnType<AsyncStore['row']>>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await store.row(id);
      if (row && row.state !== 'pending') return row;
      if (Date.now() >= deadline) return row;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  return {
    async sendOne(kind) {
      errors = [];
      const sample = samplePayload(kind, { now: ctx.now() });
      const body = Buffer.from(JSON.stringify(sample.body));
      const accepted = await intake.accept({ body, parsed: sample.body, resource: sample.resource, requestId: undefined });
      if (accepted.id === null) {
        return { kind, status: 'failed', reason: 'the sample was taken for a duplicate', hint: 'Run test-send again.', general: false };
      }
      const row = await settle(accepted.id);
      const last = errors[errors.length - 1];
      if (row?.state === 'sent' && row.messageId !== null) {
        const notes: string[] = [];
        for (const err of errors) {
          const verdict = classifyTelegramError(err);
          if (verdict.kind === 'bad-html') notes.push('Telegram refused the HTML, so it went out as plain text: please report this as a bug');
          if (verdict.kind === 'thread-gone') {
            notes.push(
              verdict.closed
                ? `topic ${settings.topicId} is closed, so it went to the General topic: reopen it or change SENTRY_ALERT_TOPIC_ID`
                : `topic ${settings.topicId} was not found, so it went to the General topic: fix SENTRY_ALERT_TOPIC_ID`,
            );
          }
          if (verdict.kind === 'migrated') {
            notes.push(`the group became a supergroup: set SENTRY_ALERT_CHAT_ID=${verdict.newChatId}`);
          }
        }
        return { kind, status: 'sent', messageId: row.messageId, chatId: row.chatId, notes };
      }
      if (last !== undefined) {
        const verdict = classifyTelegramError(last);
        const { reason, hint } = explain(last, settings.telegramApiRoot);
        if (row?.state === 'pending' && verdict.kind === 'retry-after') {
          return {
            kind,
            status: 'failed',
            reason: `${reason} (still rate-limited after ${timeoutMs / 1000} s)`,
            hint: 'Wait a little and try again; other programs may be sending through this bot.',
            general: true,
          };
        }
        return { kind, status: 'failed', reason, hint, general: isGeneral(last) };
      }
      return {
        kind,
        status: 'failed',
        reason: row?.state === 'parked' ? (row.lastError ?? 'undeliverable') : `not delivered within ${timeoutMs / 1000} s`,
        hint: 'Run again with --debug to see the delivery log.',
        general: true,
      };
    },
    async close() {
      await dispatcher.stop();
      await store.close();
    },
  };
}

export async function sendSamples(
  ctx: Pick<Context, 'out' | 'fetch' | 'now' | 'stderr'>,
  settings: { telegramToken: string; chatId: string; topicId?: number | undefined; telegramApiRoot: string; locale?: Locale },
  kinds: readonly SampleKind[],
  timeoutMs: number,
  debug = false,
  opts: TestSendOptions = {},
): Promise<SendOutcome[]> {
  registerSecret(settings.telegramToken);
  const where = `chat ${settings.chatId}${settings.topicId !== undefined ? ` topic ${settings.topicId}` : ''}`;
  const p = pipeline(ctx, settings, timeoutMs, debug, opts);
  const outcomes: SendOutcome[] = [];
  try {
    // One at a time: several pending alerts for one chat would be collapsed into a digest.
    for (const kind of kinds) {
      const outcome = await p.sendOne(kind);
      outcomes.push(outcome);
      if (outcome.status === 'sent') {
        const moved = outcome.chatId !== settings.chatId ? ` (now chat ${outcome.chatId})` : '';
        ctx.out.ok(`${kind}: sent to ${where}${moved} as message ${outcome.messageId}`);
        for (const note of outcome.notes) ctx.out.warn(`    ${note}`);
      } else {
        ctx.out.fail(`${kind}: not sent to ${where}: ${outcome.reason}`);
        ctx.out.plain(`    → ${outcome.hint}`);
        // The same cause would refuse every other kind too; stop instead of waiting on each.
        if (outcome.general) {
          const skipped = kinds.slice(kinds.indexOf(kind) + 1);
          if (skipped.length > 0) ctx.out.info(`skipped ${skipped.join(', ')}`);
          break;
        }
      }
    }
  } finally {
    await p.close();
  }
  return outcomes;
}

export async function testSendCommand(
  ctx: Pick<Context, 'out' | 'fetch' | 'now' | 'stderr'>,
  loaded: Loaded,
  flags: TestSendFlags,
  opts: TestSendOptions = {},
): Promise<number> {
  const kinds = kindsOf(flags);
  // Your SENTRY_TG_TEMPLATES, checked as `serve` checks them (every problem with file:line).
  loadTemplates(loaded.settings.templates);
  if (flags.dryRun) {
    dryRun(ctx, kinds, flags.debug === true, loaded.settings.locale);
    return 0;
  }
  const { telegramToken, chatId, topicId, telegramApiRoot, locale } = loaded.settings;
  if (telegramToken === undefined || chatId === undefined) {
    throw new UserError(
      'test-send needs the bot token and the chat id.',
      'Set SENTRY_ALERT_TELEGRAM_TOKEN and SENTRY_ALERT_CHAT_ID (or pass --telegram-token and --chat-id), or use --dry-run.',
    );
  }
  // Telegram allows a group about 20 messages a minute: say why --all takes a while.
  const seconds = Math.round(((kinds.length - 1) * 60) / (opts.pacing?.groupPerMinute ?? DEFAULT_PACING.groupPerMinute));
  if (kinds.length > 1 && chatId.startsWith('-') && seconds >= 5) {
    ctx.out.info(`Sending ${kinds.length} alerts: Telegram allows a group about ${DEFAULT_PACING.groupPerMinute} messages a minute, so this takes about ${seconds} s.`);
  }
  const outcomes = await sendSamples(ctx, { telegramToken, chatId, topicId, telegramApiRoot, locale }, kinds, timeoutFlagMs(flags.timeout, DEFAULT_SEND_TIMEOUT_MS), flags.debug === true, opts);
  const failed = outcomes.some((o) => o.status === 'failed') || outcomes.length < kinds.length;
  return failed ? 1 : 0;
}
