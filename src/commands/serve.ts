// `sentry-tg serve`: runs the receiver (src/pipeline/receiver.ts) until SIGINT/SIGTERM, then
// finishes the requests and deliveries in flight.
import type { Context } from '../context/context.js';
import { createLogger } from '../log/logger.js';
import { startReceiver, type ServeSettings } from '../pipeline/receiver.js';

export { startReceiver, type Receiver, type ReceiverOptions, type ServeSettings } from '../pipeline/receiver.js';

export interface ServeFlags {
  tunnel?: boolean;
}

export async function serveCommand(ctx: Context, settings: ServeSettings, flags: ServeFlags): Promise<number> {
  const logger = createLogger({ file: settings.logFile, stream: ctx.stdout });
  const receiver = await startReceiver({
    settings,
    logger,
    fetch: ctx.fetch,
    now: ctx.now,
    cwd: ctx.cwd,
    ...(flags.tunnel ? { tunnel: ctx.openTunnel } : {}),
  });
  const signal = await ctx.untilSignal();
  logger.info({ signal }, 'shutting down: finishing requests and deliveries in flight');
  await receiver.close();
  logger.info('stopped');
  logger.flush();
  return 0;
}
