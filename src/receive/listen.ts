// Binds the receiver's app (its one routing table, see app.ts) on a server whose sockets are
// bounded. `serve` and `setup`'s in-process proof both come through here.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from './app.js';
import { PortInUseError } from './errors.js';
import { createReceiverServer, DEFAULT_HTTP_LIMITS, type HttpLimits } from './server.js';

export type ListenOptions = AppDeps & {
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
  const server = createReceiverServer(createApp(opts), { ...DEFAULT_HTTP_LIMITS, ...opts.http }, opts.logger);
  await new Promise<void>((ok, fail) => {
    server.listen(opts.port, opts.host, () => ok());
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new PortInUseError(opts.port, opts.host) : err),
    );
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, localUrl: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}` };
}

