// A lean HTTP/1.1 load generator on raw keep-alive sockets. Node's own http client costs more
// CPU per request than the servers we measure, which would make the generator the ceiling on a
// two-core machine; this one writes pre-built request bytes and only scans for status lines.
import { connect, type Socket } from 'node:net';

export interface LoadRequest {
  /** Complete request bytes: request line, headers, body. */
  bytes: Buffer;
}

export interface LoadResult {
  ok: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/** Builds an HTTP/1.1 POST with a JSON body. */
export function buildPost(port: number, path: string, headers: Record<string, string>, body: string, host = '127.0.0.1'): LoadRequest {
  const b = Buffer.from(body);
  const head =
    `POST ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\nconnection: keep-alive\r\ncontent-length: ${b.length}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  return { bytes: Buffer.concat([Buffer.from(head), b]) };
}

class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;
  private failed: ((err: Error) => void) | null = null;
  /** The server closed it (keep-alive timeout) or it broke: do not reuse. */
  closed = false;
  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.failed?.(e));
    socket.on('close', () => {
      this.closed = true;
      this.failed?.(new Error('closed'));
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  /** Sends one request and resolves with the response status once the whole answer arrived. */
  request(r: LoadRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('closed'));
      this.waiting = resolve;
      this.failed = reject;
      // A write to a socket the server just closed reports only through this callback.
      this.socket.write(r.bytes, (err) => err && reject(err));
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < end + 4 + len) return;
    const status = Number(head.slice(9, 12));
    this.buf = this.buf.subarray(end + 4 + len);
    const w = this.waiting;
    this.waiting = null;
    w?.(status);
  }

  close(): void {
    this.failed = null;
    this.socket.destroy();
  }
}

/** Closed loop: `connections` clients, each sending its next request when the last is answered. */
export async function closedLoop(port: number, connections: number, seconds: number, next: () => LoadRequest, host?: string): Promise<LoadResult> {
  const conns = await Promise.all(Array.from({ length: connections }, () => Conn.open(port, host)));
  const latenciesMs: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    conns.map(async (c) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const status = await c.request(next());
          if (status >= 200 && status < 300) latenciesMs.push(performance.now() - t0);
          else errors++;
        } catch {
          errors++;
          return;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  for (const c of conns) c.close();
  return { ok: latenciesMs.length, errors, seconds: elapsed, latenciesMs };
}

/** Open loop: a fixed rate whatever the answers do (a pool of connections absorbs slow ones). */
export async function openLoop(port: number, rps: number, seconds: number, next: () => LoadRequest, host?: string): Promise<LoadResult> {
  const pool = await Promise.all(Array.from({ length: 32 }, () => Conn.open(port, host)));
  const free = [...pool];
  const latenciesMs: number[] = [];
  let errors = 0;
  const total = Math.round(rps * seconds);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rps - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let c = free.pop();
    while (c?.closed) c = free.pop();
    c ??= await Conn.open(port, host);
    const t0 = performance.now();
    const req = next();
    // A keep-alive socket the server closed at the very moment we wrote to it: the request
    // never reached the application, so it is sent again on a fresh connection (once).
    const attempt = (conn: Conn, retry: boolean): Promise<void> =>
      conn.request(req).then(
        (status) => {
          if (status >= 200 && status < 300) latenciesMs.push(performance.now() - t0);
          else errors++;
          free.push(conn);
        },
        async () => {
          if (!retry) return void errors++;
          return attempt(await Conn.open(port, host), false);
        },
      );
    inflight.push(attempt(c, true));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  for (const c of pool) c.close();
  for (const c of free) c.close();
  return { ok: latenciesMs.length, errors, seconds: elapsed, latenciesMs };
}
