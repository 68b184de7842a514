// The socket side of the receiver: every connection is bounded in time, size and number, and a
// request that cannot even be parsed, or that trips a bug in a handler, gets a JSON answer for
// that request alone. Nothing a client sends can take the process down.
import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.js';

export interface HttpLimits {
  /** A client must send its complete headers within this time (slowloris). */
  headersTimeoutMs: number;
  /** ...and its complete body within this time (a body dribbled a byte a second). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this many are closed at once. */
  maxConnections: number;
  /** Total size of the request line and headers (431 beyond). */
  maxHeaderBytes: number;
  /** Headers beyond this many are dropped (Node's parser keeps the first ones). */
  maxHeadersCount: number;
  /** How often Node looks for requests past the two timeouts above. */
  timeoutCheckIntervalMs: number;
}

// Sentry sends small bodies and gives up after one second, so real senders finish far inside
// these; the limits exist only to free sockets held by broken or hostile clients.
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 100,
  timeoutCheckIntervalMs: 1_000,
};

export function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  // A handler that already answered (or whose client left) has nothing more to say.
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Wraps a listener so that a synchronous throw answers 500 for that request and is logged. */
export function guardListener(listener: RequestListener, onError: (err: unknown, req: IncomingMessage) => void): RequestListener {
  return (req, res) => {
    try {
      listener(req, res);
    } catch (err) {
      onError(err, req);
      req.resume();
      sendJson(res, 500, { status: 'error', message: 'Internal error' });
    }
  };
}

// Long enough for the client to read the error answer before the socket is torn down.
const CLOSE_GRACE_MS = 1_000;

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive'],
};

/** The answer to a request the HTTP parser refused (or that timed out), written on the raw socket. */
function clientErrorAnswer(err: NodeJS.ErrnoException): Buffer {
  const [status, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad request: the HTTP message is malformed'];
  const body = JSON.stringify({ status: 'error', message });
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    'latin1',
  );
}

export function createReceiverServer(listener: RequestListener, limits: HttpLimits, logger: Logger): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = limits.maxHeadersCount;

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    logger.info({ code: err.code ?? err.message }, 'refused a malformed or too slow request');
    // A response already on its way cannot be replaced; the client left if the socket is gone.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorAnswer(err));
    // end() alone can leave a socket that never sent a byte half-open on our side for good.
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  });

  // Node's own 417 for an Expect other than 100-continue has an empty chunked body, not JSON.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    sendJson(res, 417, { status: 'error', message: 'Unsupported Expect header: only 100-continue is understood' }, { connection: 'close' });
  });

  let lastDropWarnAt = 0;
  server.on('drop', () => {
    const now = Date.now();
    if (now - lastDropWarnAt < 60_000) return;
    lastDropWarnAt = now;
    logger.warn({ maxConnections: limits.maxConnections }, 'too many open connections: refusing new ones until some close');
  });
  return server;
}
