// The HTTP face of the receiver and its one routing table. Built, never bound: `listen` binds
// exactly what `createApp` returns, and the HTTP tests drive that same listener in-process.
// A webhook is verified, size-limited, parsed and committed, then answered at once; Telegram is
// never on this path (Sentry gives up after one second).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log/logger.js';
import { guardListener } from './server.js';
import { createWebhookHandler, webhookToken, type WebhookDeps, type WebhookHandler } from './webhook.js';

export interface Health {
  status: 'ok' | 'degraded';
  [key: string]: unknown;
}

export type AppDeps = WebhookDeps & {
  debugEndpoint: boolean;
  health: () => Health;
  logger: Logger;
  /** Raises and reports the test error for /sentry-debug; returns the Sentry event id. */
  debugError?: () => string | undefined;
};

function fail(res: Response, status: number, message: string): void {
  res.status(status).json({ status: 'error', message });
}

/**
 * The routing table, in order:
 *   POST /api/sentry-webhook[/<token>]  the webhook handler, on the raw request (any method:
 *                                       it answers 405 itself; absolute-form URLs included)
 *   GET  /health                        Express
 *   GET  /sentry-debug                  Express (404 unless enabled)
 *   anything else                       Express: JSON 404
 * A synchronous throw anywhere answers 500 for that request alone.
 */
export function createApp(deps: AppDeps): RequestListener {
  const listener = requestListener(expressRoutes(deps), createWebhookHandler(deps));
  return guardListener(listener, (err, req) => {
    deps.logger.error({ err, method: req.method }, 'request handler failed');
    deps.reportError?.(err);
  });
}

/** The routes other than the webhook, on Express (its router, JSON answers, error handler). */
function expressRoutes(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', false);

  app.get('/health', (_req, res) => {
    const health = deps.health();
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });

  app.get('/sentry-debug', (_req, res) => {
    if (!deps.debugEndpoint || !deps.debugError) return fail(res, 404, 'Not found');
    const eventId = deps.debugError();
    deps.logger.warn({ eventId }, 'raised the /sentry-debug test error');
    return res.status(500).json({ status: 'error', message: 'Test error raised', reported: Boolean(eventId), eventId });
  });

  app.use((_req, res) => fail(res, 404, 'Not found'));

  // Express 5 routes rejected promises here too.
  app.use((err: Error & { status?: number }, req: Request, res: Response, _next: NextFunction) => {
    if (err.status && err.status >= 400 && err.status < 500) {
      fail(res, err.status, 'Bad request');
    } else {
      deps.logger.error({ err, path: req.path }, 'request failed');
      deps.reportError?.(err);
      fail(res, 500, 'Internal error');
    }
  });

  return app;
}

/**
 * The table's first row, ahead of Express's router: the webhook is the hottest path, and
 * Express's per-request setup costs about a fifth of its throughput. Its match (`webhookToken`)
 * is the same function the handler reads its token with, so routing and handling cannot disagree.
 */
export function requestListener(rest: RequestListener, webhook: WebhookHandler): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (webhookToken(req.url) !== null) webhook(req, res);
    else rest(req, res);
  };
}
