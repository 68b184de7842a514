// POST /api/sentry-webhook[/<token>] on plain node:http request/response objects: the hottest
// path in the program, so it avoids Express's router and body parser. `createApp` mounts it
// for tests and the rest of the routes; `serve` also calls it directly, ahead of Express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Intake } from './intake.js';
import { verifySignature, verifyUrlToken, WEBHOOK_PATH } from './verify.js';

export interface WebhookDeps {
  webhookSecret: string | undefined;
  bodyLimitBytes: number;
  intake: Pick<Intake, 'accept'>;
  logger: Logger;
  reportError?: (err: unknown) => void;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/** `/api/sentry-webhook` or `/api/sentry-webhook/<token>`; null for any other path. */
export function webhookToken(url: string | undefined): string | undefined | null {
  if (!url) return null;
  const path = url.split('?', 1)[0]!;
  if (path === WEBHOOK_PATH || path === `${WEBHOOK_PATH}/`) return undefined;
  if (!path.startsWith(`${WEBHOOK_PATH}/`)) return null;
  const token = path.slice(WEBHOOK_PATH.length + 1);
  return token.includes('/') ? null : decodeURIComponent(token);
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function createWebhookHandler(deps: WebhookDeps): WebhookHandler {
  const { logger, intake, bodyLimitBytes } = deps;

  return (req, res) => {
    const started = process.hrtime.bigint();
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const requestId = header('request-id');
    const resource = header('sentry-hook-resource');
    const done = (status: number, outcome: string, extra?: object) =>
      logger.info(
        { requestId, resource, status, outcome, ms: Number(process.hrtime.bigint() - started) / 1e6, ...extra },
        `webhook ${resource ?? 'legacy'} ${outcome}`,
      );
    const fail = (status: number, message: string, outcome: string) => {
      send(res, status, { status: 'error', message });
      done(status, outcome);
    };

    const token = webhookToken(req.url);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      req.resume();
      return fail(405, 'Use POST', 'rejected: method');
    }
    const declared = Number(header('content-length'));
    if (declared > bodyLimitBytes) {
      res.setHeader('connection', 'close');
      req.resume();
      return fail(413, `Body is larger than ${bodyLimitBytes} bytes`, 'rejected: too large');
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > bodyLimitBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      // The client went away mid-body: there is nobody to answer and nothing was accepted.
      tooLarge = true;
    });
    req.on('end', () => {
      if (tooLarge) {
        res.setHeader('connection', 'close');
        return fail(413, `Body is larger than ${bodyLimitBytes} bytes`, 'rejected: too large');
      }
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const secret = deps.webhookSecret;
      if (secret) {
        const signature = header('sentry-hook-signature');
        // A signature, when present, must be right; otherwise the URL token must be.
        const authentic = signature ? verifySignature(secret, body, signature) : verifyUrlToken(secret, token ?? undefined);
        if (!authentic) return fail(401, 'Invalid signature', 'rejected: bad or missing signature');
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
            send(res, 200, { status: 'ok', id: null, ignored: 'project not in SENTRY_PROJECT' });
            return done(200, 'ignored: other project', { action: accepted.alert.action, project: accepted.alert.project });
          }
          send(res, accepted.duplicate ? 200 : 202, { status: 'ok', id: accepted.id, duplicate: accepted.duplicate });
          done(accepted.duplicate ? 200 : 202, accepted.duplicate ? 'duplicate' : 'accepted', {
            action: accepted.alert.action,
            alertId: accepted.id,
          });
        },
        (err: unknown) => {
          logger.error({ err, requestId }, 'could not store the webhook');
          deps.reportError?.(err);
          fail(500, 'Internal error: the alert was not accepted', 'failed: storage');
        },
      );
    });
  };
}
