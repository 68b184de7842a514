// The proof: run the receiver in-process, check that the public URL reaches it, send a test
// alert the way Sentry would (the plugin's own test call, or a signed integration delivery),
// and wait — with a bound — until the receiver's store says it went out to Telegram.
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { startReceiver, type Receiver, type ServeSettings } from '../../pipeline/receiver.js';
import { UserError } from '../../errors.js';
import { singleChatRoutes } from '../../route/config.js';
import { createLogger } from '../../log/logger.js';
import { signBody, WEBHOOK_PATH } from '../../receive/verify.js';
import { startProgress } from './progress.js';
import { sampleEventAlert } from './sample.js';
import { DEFAULT_PROOF_TIMEOUT_MS, type Session } from './session.js';
import type { SentryAnswer } from './sentry.js';
import { joinUrl } from './url-check.js';

/** Receiver logs stay quiet during the wizard and appear once it keeps serving. */
export class LogGate extends Writable {
  open = false;
  constructor(private readonly target: NodeJS.WritableStream) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.open) this.target.write(chunk);
    done();
  }
}

export interface LocalReceiver {
  receiver: Receiver;
  gate: LogGate;
  settings: ServeSettings;
}

export async function startLocalReceiver(s: Session, publicUrl: string, secret: string | undefined): Promise<LocalReceiver> {
  const { ctx } = s;
  const st = s.settings;
  if (!st.telegramToken || !st.chatId) throw new UserError('Internal error: the receiver needs the bot token and the chat.');
  const settings: ServeSettings = {
    ...st,
    telegramToken: st.telegramToken,
    chatId: st.chatId,
    webhookSecret: secret,
    publicUrl,
    dataDir: resolve(ctx.cwd, st.dataDir),
  };
  const gate = new LogGate(ctx.stdout);
  const logger = createLogger({ stream: gate, file: st.logFile, pretty: Boolean((ctx.stdout as NodeJS.WriteStream).isTTY) });
  // The proof goes to the chat this setup chose, whatever a routes file in the folder says
  // (`serve` reads the routes file; setup --route adds to it).
  const routes = singleChatRoutes(st.chatId, st.topicId);
  const receiver = await startReceiver({ settings, logger, fetch: ctx.fetch, now: ctx.now, routes });
  return { receiver, gate, settings };
}

const HEALTH_TIMEOUT_MS = 10_000;

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is in its cause. */
function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** GET <public>/health must be answered by this receiver, not by a proxy error page. */
export async function checkReachable(s: Session, publicUrl: string, how: 'tunnel' | 'url'): Promise<void> {
  const url = joinUrl(publicUrl, '/health');
  const fix =
    how === 'tunnel'
      ? 'The tunnel opened but does not forward to the receiver: check the ngrok dashboard, or use --public-url.'
      : `Make ${publicUrl} forward to ${s.settings.host}:${s.settings.port} (reverse proxy, port forwarding), then run setup again.`;
  let body: unknown;
  let status: number;
  try {
    const res = await s.ctx.fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), headers: { accept: 'application/json' } });
    status = res.status;
    body = await res.json().catch(() => null);
  } catch (err) {
    throw new UserError(`The public URL ${publicUrl} does not reach the receiver: ${describeFetchError(err)}.`, fix);
  }
  const ok = typeof body === 'object' && body !== null && 'version' in body && 'status' in body;
  if (!ok) throw new UserError(`The public URL ${publicUrl} answered ${status}, but not as this receiver.`, fix);
  s.ctx.out.ok(`The public URL reaches the receiver (${url}).`);
}

const POLL_MS = 150;

type Watch = { kind: 'row'; id: number } | { kind: 'stats'; sinceMs: number; parkedBefore: number };

async function waitDelivered(s: Session, receiver: Receiver, watch: Watch, notArrived: () => UserError): Promise<void> {
  const { ctx } = s;
  const timeoutMs = s.flags.proofTimeoutMs ?? DEFAULT_PROOF_TIMEOUT_MS;
  const deadline = ctx.now() + timeoutMs;
  const progress = startProgress(ctx, 'Waiting for the test alert to reach Telegram…');
  let lastError: string | null = null;
  let arrived = watch.kind === 'row';
  try {
    for (;;) {
      if (watch.kind === 'row') {
        const row = await receiver.store.row(watch.id);
        if (row?.state === 'sent' || row?.state === 'merged') break;
        if (row?.state === 'parked') {
          throw new UserError(`The test alert reached the receiver, but Telegram refused it: ${row.lastError ?? 'unknown reason'}.`, 'Check the chat and topic (run `sentry-tg doctor`).');
        }
        lastError = row?.lastError ?? null;
      } else {
        const stats = await receiver.store.stats();
        if (stats.lastDeliveredAt !== null && stats.lastDeliveredAt >= watch.sinceMs) break;
        if (stats.parked > watch.parkedBefore) {
          throw new UserError(`The test alert reached the receiver, but Telegram refused it: ${stats.lastParked?.reason ?? 'unknown reason'}.`, 'Check the chat and topic (run `sentry-tg doctor`).');
        }
        if (stats.pending > 0) arrived = true;
      }
      if (ctx.now() >= deadline) {
        if (!arrived) throw notArrived();
        throw new UserError(
          `The test alert reached the receiver but was not delivered to Telegram within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ''}.`,
          'It stays queued and is retried while the receiver runs; check Telegram with `sentry-tg doctor`.',
        );
      }
      await ctx.sleep(POLL_MS);
    }
  } finally {
    progress.stop();
  }
  ctx.out.ok('The test alert arrived in Telegram.');
}

export async function provePlugin(s: Session, local: LocalReceiver, sentry: SentryAnswer): Promise<void> {
  const { ctx } = s;
  const stats = await local.receiver.store.stats();
  // The store stamps deliveries with the same clock (ctx.now is what the receiver runs on).
  const sinceMs = ctx.now();
  ctx.out.info('Asking Sentry to send the WebHooks plugin\'s test alert…');
  const { detail } = await sentry.api.testWebhooksPlugin(sentry.org, sentry.project);
  if (/error/i.test(detail) && !/no errors/i.test(detail)) {
    ctx.out.warn(`Sentry says: ${detail} (one of the plugin's URLs answered with an error).`);
  }
  await waitDelivered(s, local.receiver, { kind: 'stats', sinceMs, parkedBefore: stats.parked }, () =>
    new UserError(
      `Sentry's test alert did not reach the receiver within ${Math.round((s.flags.proofTimeoutMs ?? DEFAULT_PROOF_TIMEOUT_MS) / 1000)} s.`,
      `Sentry calls ${local.settings.publicUrl}${WEBHOOK_PATH}/…: check that this URL reaches ${s.settings.host}:${s.settings.port} from the internet.`,
    ),
  );
}

export async function proveIntegration(s: Session, local: LocalReceiver, sentry: SentryAnswer, secret: string): Promise<void> {
  const { ctx } = s;
  const publicUrl = local.settings.publicUrl!;
  const sample = sampleEventAlert({ org: sentry.org, project: sentry.project, sentryUrl: sentry.baseUrl, now: ctx.now() });
  const url = `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
  ctx.out.info(`Sending a signed test alert to ${url}…`);
  const send = () =>
    ctx.fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Request-ID': sample.requestId,
        'Sentry-Hook-Resource': sample.resource,
        'Sentry-Hook-Timestamp': String(Math.floor(ctx.now() / 1000)),
        'Sentry-Hook-Signature': signBody(secret, sample.body),
      },
      body: sample.body,
      signal: AbortSignal.timeout(10_000),
    });
  let res: Response;
  try {
    // Safe to repeat: the receiver deduplicates by Request-ID. One retry covers a kept-alive
    // connection to the receiver that setup just restarted with the integration's secret.
    res = await send().catch(async () => {
      await ctx.sleep(300);
      return send();
    });
  } catch (err) {
    throw new UserError(`The test alert could not be sent to ${url}: ${describeFetchError(err)}.`, 'Check that the public URL reaches the receiver.');
  }
  const status = res.status;
  const answer = (await res.json().catch(() => null)) as { id?: number | null } | null;
  if (status === 401) {
    throw new UserError('The receiver rejected the signed test alert (401).', 'Another program answers on the public URL, or it runs with another SENTRY_WEBHOOK_SECRET.');
  }
  if (status !== 202 || typeof answer?.id !== 'number') {
    throw new UserError(`The receiver answered the test alert with ${status}.`, 'Check that the public URL reaches this receiver (not another program).');
  }
  await waitDelivered(s, local.receiver, { kind: 'row', id: answer.id }, () => new UserError('The test alert did not arrive.'));
}
