// POST /api/sentry-webhook[/<token>] on plain node:http request/response objects: the hottest
// path in the program, so it avoids Express's router and body parser. `createApp`'s routing
// table picks it first, ahead of Express, for `serve` and the tests alike.
// Everything here comes from the network: each way a request can be wrong ends in a JSON 4xx.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Intake } from './intake.js';
import { sendJson } from './server.js';
import { describeStorageError } from './storage-status.js';
import { verifySignature, verifyUrlToken, WEBHOOK_PATH } from './verify.js';

export interface WebhookDeps {
  webhookSecret: string | undefined;
  bodyLimitBytes: number;
  intake: Pick<Intake, 'accept'>;
  logger: Logger;
  reportError?: (err: unknown) => void;
  /** Signed requests whose Sentry-Hook-Timestamp is further off than this are refused; 0: never. */
  replayWindowSeconds?: number;
  /** Clock for the replay window (ms). */
  now?: () => number;
  /** Told once per answered webhook (metrics); must be cheap: it runs on the hot path. */
  onAnswered?: WebhookObserver;
}

/** How a webhook request ended: the log's `outcome` field, and the metrics' label source. */
export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored: other project'
  | 'unrouted'
  | 'rejected: malformed URL'
  | 'rejected: method'
  | 'rejected: too large'
  | 'rejected: bad or missing signature'
  | 'rejected: stale timestamp'
  | 'rejected: content type'
  | 'rejected: invalid JSON'
  | 'failed: storage'
  | 'failed: internal';

/** `resource` is the raw Sentry-Hook-Resource header (undefined for the legacy plugin). */
export type WebhookObserver = (resource: string | undefined, outcome: WebhookOutcome, seconds: number) => void;

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;
const ABSOLUTE_FORM = /^[a-z][a-z\d+.-]*:\/\/[^/]*/i;
const UNIX_SECONDS = /^\d{1,12}(\.\d+)?$/;
// Sentry's own retries and clock skew fit well inside five minutes.
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;

/**
 * The token path segment as sent (still percent-encoded); undefined for the bare path; null: not a
 * webhook path. The routing table matches with this very function, so what is routed here is what
 * the handler reads. Like Express's own matching: case-insensitive, one trailing slash allowed.
 */
export function webhookToken(url: string | undefined): string | undefined | null {
  if (!url) return null;
  let path = url.split('?', 1)[0]!;
  // Absolute-form (`POST http://host/api/sentry-webhook`), as proxies send it: same resource.
  const origin = ABSOLUTE_FORM.exec(path);
  if (origin) path = path.slice(origin[0].length);
  if (path.slice(0, WEBHOOK_PATH.length).toLowerCase() !== WEBHOOK_PATH) return null;
  let rest = path.slice(WEBHOOK_PATH.length);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest === '') return undefined;
  if (!rest.startsWith('/')) return null;
  const token = rest.slice(1);
  return token.includes('/') || token === '' ? null : token;
}

function decodeToken(raw: string | undefined): { token: string | undefined } | null {
  if (raw === undefined) return { token: undefined };
  try {
    return { token: decodeURIComponent(raw) };
  } catch {
    // Malformed percent-encoding (e.g. %ZZ): never a token we issued.
    return null;
  }
}

/** Why a signed request's timestamp is refused, or null when it is fresh enough (or absent). */
export function staleTimestamp(raw: string | undefined, nowMs: number, windowSeconds: number): string | null {
  // The legacy plugin sends none; internal integrations always do. Absent is not a replay sign.
  if (windowSeconds <= 0 || raw === undefined) return null;
  if (!UNIX_SECONDS.test(raw.trim())) return 'Stale timestamp: Sentry-Hook-Timestamp is not unix seconds';
  const offSeconds = Math.round(Number(raw.trim()) - nowMs / 1000);
  if (Math.abs(offSeconds) <= windowSeconds) return null;
  return `Stale timestamp: Sentry-Hook-Timestamp is ${Math.abs(offSeconds)} s ${offSeconds < 0 ? 'old' : 'in the future'} (limit ${windowSeconds} s); check this machine's clock`;
}

export function createWebhookHandler(deps: WebhookDeps): WebhookHandler {
  const { logger, intake, bodyLimitBytes } = deps;
  const now = deps.now ?? Date.now;
  const replayWindowSeconds = deps.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;

  return (req, res) => {
    const started = process.hrtime.bigint();
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const requestId = header('request-id');
    const resource = header('sentry-hook-resource');
    const done = (status: number, outcome: WebhookOutcome, extra?: object) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.onAnswered?.(resource, outcome, ms / 1000);
      logger.info({ requestId, resource, status, outcome, ms, ...extra }, `webhook ${resource ?? 'legacy'} ${outcome}`);
    };
    const fail = (status: number, message: string, outcome: WebhookOutcome, headers?: Record<string, string>) => {
      sendJson(res, status, { status: 'error', message }, headers);
      done(status, outcome);
    };
    const tooLarge = () => fail(413, `Body is larger than ${bodyLimitBytes} bytes`, 'rejected: too large', { connection: 'close' });

    const decoded = decodeToken(webhookToken(req.url) ?? undefined);
    if (decoded === null) {
      req.resume();
      return fail(400, 'Malformed URL: invalid percent-encoding in the token', 'rejected: malformed URL');
    }
    if (req.method !== 'POST') {
      req.resume();
      return fail(405, 'Use POST', 'rejected: method', { allow: 'POST' });
    }
    const declared = Number(header('content-length'));
    if (declared > bodyLimitBytes) {
      req.resume();
      return tooLarge();
    }

    const chunks: Buffer[] = [];
    let size = 0;
    // Once refused (too large) or gone (aborted), the rest of the body is thrown away.
    let finished = false;
    req.on('data', (chunk: Buffer) => {
      if (finished) return;
      size += chunk.length;
      if (size > bodyLimitBytes) {
        // A chunked body has no Content-Length: answer as soon as it passes the limit rather
        // than holding memory (or the socket) until the sender stops.
        finished = true;
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      // The client went away mid-body: there is nobody to answer and nothing was accepted.
      finished = true;
    });
    req.on('end', () => {
      if (finished) return;
      finished = true;
      try {
        onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      } catch (err) {
        // A bug on this path answers this request only; the receiver keeps serving.
        logger.error({ err, requestId }, 'webhook handler failed');
        deps.reportError?.(err);
        fail(500, 'Internal error: the alert was not accepted', 'failed: internal');
      }
    });

    function onBody(body: Buffer): void {
      const secret = deps.webhookSecret;
      if (secret) {
        const signature = header('sentry-hook-signature');
        // A signature, when present, must be right; otherwise the URL token must be.
        const authentic = signature ? verifySignature(secret, body, signature) : verifyUrlToken(secret, decoded!.token);
        if (!authentic) return fail(401, 'Invalid signature', 'rejected: bad or missing signature');
        const stale = signature ? staleTimestamp(header('sentry-hook-timestamp'), now(), replayWindowSeconds) : null;
        if (stale) return fail(401, stale, 'rejected: stale timestamp');
      }
      if (!JSON_TYPE.test(header('content-type') ?? '')) {
        return fail(415, 'Content-Type must be application/json', 'rejected: content type');
      }
      let parsed: unknown;
      try {
        if (body.length === 0) throw new Error('empty');
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return fail(400, 'Body must be valid JSON', 'rejected: invalid JSON');
      }
      intake.accept({ body, parsed, resource, requestId }).then(
        (accepted) => {
          if (accepted.outOfScope) {
            sendJson(res, 200, { status: 'ok', id: null, ignored: 'project not in SENTRY_PROJECT' });
            return done(200, 'ignored: other project', { action: accepted.alert.action, project: accepted.alert.project });
          }
          if (accepted.unrouted) {
            sendJson(res, 200, { status: 'ok', id: null, unrouted: true });
            // Never silently dropped: one warning per alert, and /health counts it.
            logger.warn(
              { requestId, resource: accepted.alert.resource, project: accepted.alert.project ?? null },
              'alert matched no route and the routes file has no default: not posted (add a route or a default)',
            );
            return done(200, 'unrouted', { action: accepted.alert.action, project: accepted.alert.project });
          }
          sendJson(res, accepted.duplicate ? 200 : 202, { status: 'ok', id: accepted.id, duplicate: accepted.duplicate });
          // A known resource in a shape we do not read: delivered with what could be found.
          if (accepted.alert.unexpected) logger.warn({ requestId, resource }, accepted.alert.unexpected);
          done(accepted.duplicate ? 200 : 202, accepted.duplicate ? 'duplicate' : 'accepted', {
            action: accepted.alert.action,
            alertId: accepted.id,
          });
        },
        (err: unknown) => {
          const reason = describeStorageError(err);
          logger.error({ err, requestId, reason }, 'could not store the webhook');
          deps.reportError?.(err);
          // 503, never 2xx: the sender must not believe an alert is safe that is not on disk.
          fail(503, `Could not store the alert: ${reason}. It was not accepted; see /health.`, 'failed: storage');
        },
      );
    }
  };
}
