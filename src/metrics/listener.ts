// The metrics listener: its own address (SENTRY_TG_METRICS_ADDR), so the figures never go out
// through the webhook's tunnel or proxy. It serves GET /metrics and nothing else, on the same
// bounded sockets as the receiver: a hostile or broken request gets a JSON 4xx, never a crash.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import { UserError } from '../errors.js';
import { createReceiverServer, DEFAULT_HTTP_LIMITS, guardListener, sendJson, type HttpLimits } from '../receive/server.js';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

export interface MetricsListenerOptions {
  host: string;
  port: number;
  metrics: Pick<Metrics, 'scrape'>;
  logger: Logger;
  http?: Partial<HttpLimits>;
}

export interface MetricsListener {
  /** http://host:port of the listener. */
  url: string;
  close(): Promise<void>;
}

// A scraper or two, and a curl: far fewer sockets than the webhook listener needs.
const MAX_CONNECTIONS = 32;

export async function startMetricsListener(opts: MetricsListenerOptions): Promise<MetricsListener> {
  const { logger, metrics } = opts;
  const listener = guardListener(
    (req, res) => {
      // Nothing here reads a body: drain whatever was sent so the socket can be reused.
      req.resume();
      const path = (req.url ?? '').split('?', 1)[0];
      if (path !== METRICS_PATH) return sendJson(res, 404, { status: 'error', message: `Not found: only GET ${METRICS_PATH} is served here` });
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 405, { status: 'error', message: 'Use GET' }, { allow: 'GET, HEAD' });
      }
      metrics.scrape().then(
        ({ text, contentType }) => {
          if (res.headersSent || res.destroyed) return;
          res.writeHead(200, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)) });
          res.end(text);
        },
        (err: unknown) => {
          logger.error({ err }, 'collecting the metrics failed');
          sendJson(res, 500, { status: 'error', message: 'Could not collect the metrics; see the log' });
        },
      );
    },
    (err) => logger.error({ err }, 'metrics request failed'),
  );
  const server: Server = createReceiverServer(listener, { ...DEFAULT_HTTP_LIMITS, maxConnections: MAX_CONNECTIONS, ...opts.http }, logger);
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new UserError(`The metrics port ${opts.port} on ${opts.host} is already in use.`, 'Stop the other process or set another SENTRY_TG_METRICS_ADDR.')
          : err,
      ),
    );
    server.listen(opts.port, opts.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeIdleConnections();
      }),
  };
}
