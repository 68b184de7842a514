// Binds the receiver: the webhook handler ahead of Express, guarded against handler bugs, on a
// server whose sockets are bounded. `serve` and `setup`'s in-process proof both come through here.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../errors.js';
import { createApp, requestListener, type AppDeps } from './app.js';
import { createReceiverServer, DEFAULT_HTTP_LIMITS, guardListener, type HttpLimits } from './server.js';
import { createWebhookHandler, type WebhookDeps } from './webhook.js';

export type ListenOptions = Omit<AppDeps, 'webhook'> &
  Pick<WebhookDeps, 'replayWindowSeconds' | 'now'> & {
    port: number;
    host: string;
    http?: Partial<HttpLimits>;
  };

export interface Listening {
  server: Server;
  port: number;
  /** http://host:port of the local listener. */
  localUrl: string;
}

export async function listen(opts: ListenOptions): Promise<Listening> {
  const { logger, reportError } = opts;
  const webhook = createWebhookHandler(opts);
  const app = createApp({ ...opts, webhook });
  const listener = guardListener(requestListener(app, webhook), (err, req) => {
    logger.error({ err, method: req.method }, 'request handler failed');
    reportError?.(err);
  });
  const server = createReceiverServer(listener, { ...DEFAULT_HTTP_LIMITS, ...opts.http }, logger);
  await new Promise<void>((ok, fail) => {
    server.listen(opts.port, opts.host, () => ok());
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new UserError(`Port ${opts.port} on ${opts.host} is already in use.`, 'Stop the other process or pass --port.')
          : err,
      ),
    );
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, localUrl: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}` };
}

