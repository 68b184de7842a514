// The HTTP face of the receiver. Built, never bound: `serve` listens, tests drive it in-process.
// A webhook is verified, size-limited, parsed and committed, then answered at once; Telegram is
// never on this path (Sentry gives up after one second).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log/logger.js';
import type { Intake } from './intake.js';
import { WEBHOOK_PATH } from './verify.js';
import { createWebhookHandler, webhookToken, type WebhookHandler } from './webhook.js';

export interface Health {
  status: 'ok' | 'degraded';
  [key: string]: unknown;
}

export interface AppDeps {
  webhookSecret: string | undefined;
  bodyLimitBytes: number;
  debugEndpoint: boolean;
  intake: Pick<Intake, 'accept'>;
  health: () => Health;
  logger: Logger;
  /** Raises and reports the test error for /sentry-debug; returns the Sentry event id. */
  debugError?: () => string | undefined;
  /** Reports the receiver's own unexpected errors (to Sentry when SENTRY_DSN is set). */
  reportError?: (err: unknown) => void;
  /** The webhook handler to mount (built from these deps when absent). */
  webhook?: WebhookHandler;
}

function fail(res: Response, status: number, message: string): void {
  res.status(status).json({ status: 'error', message });
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', false);

  const webhook = deps.webhook ?? createWebhookHandler(deps);
  app.all([WEBHOOK_PATH, `${WEBHOOK_PATH}/:token`], (req, res) => webhook(req, res));

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

/** The server's request listener: webhooks go straight to their handler, the rest to Express. */
export function requestListener(app: express.Express, webhook: WebhookHandler): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (webhookToken(req.url) !== null) webhook(req, res);
    else app(req, res);
  };
}
