// The HTTP face of the receiver. Built, never bound: `serve` listens, tests drive it in-process.
// A webhook is verified, size-limited, parsed and committed, then answered at once; Telegram is
// never on this path (Sentry gives up after one second).
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log/logger.js';
import type { Intake } from './intake.js';
import { verifySignature, verifyUrlToken, WEBHOOK_PATH } from './verify.js';

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
}

function fail(res: Response, status: number, message: string): void {
  res.status(status).json({ status: 'error', message });
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });

  const webhook = async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const requestId = req.get('request-id') ?? undefined;
    const resource = req.get('sentry-hook-resource') ?? undefined;
    const log = deps.logger.child({ requestId, resource });
    const done = (status: number, outcome: string, extra: object = {}) =>
      log.info(
        { status, outcome, ms: Number(process.hrtime.bigint() - started) / 1e6, ...extra },
        `webhook ${resource ?? 'legacy'} ${outcome}`,
      );

    const secret = deps.webhookSecret;
    const signature = req.get('sentry-hook-signature');
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (secret) {
      const token = typeof req.params.token === 'string' ? req.params.token : undefined;
      // A signature, when present, must be right; otherwise the URL token must be.
      const authentic = signature ? verifySignature(secret, body, signature) : verifyUrlToken(secret, token);
      if (!authentic) {
        fail(res, 401, 'Invalid signature');
        return done(401, 'rejected: bad or missing signature');
      }
    }
    const type = req.get('content-type') ?? '';
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      fail(res, 415, 'Content-Type must be application/json');
      return done(415, 'rejected: content type');
    }
    let parsed: unknown;
    try {
      if (body.length === 0) throw new Error('empty');
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      fail(res, 400, 'Body must be valid JSON');
      return done(400, 'rejected: invalid JSON');
    }
    const accepted = await deps.intake.accept({ body, parsed, resource, requestId });
    res.status(accepted.duplicate ? 200 : 202).json({
      status: 'ok',
      id: accepted.id,
      duplicate: accepted.duplicate,
    });
    done(accepted.duplicate ? 200 : 202, accepted.duplicate ? 'duplicate' : 'accepted', {
      action: accepted.alert.action,
      alertId: accepted.id,
    });
  };

  app.post(WEBHOOK_PATH, raw, webhook);
  app.post(`${WEBHOOK_PATH}/:token`, raw, webhook);
  app.all([WEBHOOK_PATH, `${WEBHOOK_PATH}/:token`], (_req, res) => fail(res, 405, 'Use POST'));

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

  // Express 5 routes rejected promises here too. Body-parser errors carry their own status.
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') {
      fail(res, 413, `Body is larger than ${deps.bodyLimitBytes} bytes`);
    } else if (err.status && err.status >= 400 && err.status < 500) {
      fail(res, err.status, 'Bad request');
    } else {
      deps.logger.error({ err, path: req.path }, 'request failed');
      deps.reportError?.(err);
      fail(res, 500, 'Internal error: the alert was not accepted');
    }
  });

  return app;
}
