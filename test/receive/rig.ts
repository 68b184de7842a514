// The real receiver (`startReceiver`, the listener `serve` binds) on 127.0.0.1 with a real
// socket, a real store and the fake Telegram enforcing its real limits; plus a raw HTTP client
// that can send what fetch refuses to (broken percent-encoding, bad framing, half bodies).
import { connect, type Socket } from 'node:net';
import type { Settings } from '../../src/config/options.js';
import { startReceiver, type Receiver, type ReceiverOptions } from '../../src/pipeline/receiver.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { serveSettings, tempDir } from '../helpers.js';

export const CHAT = -1001234500077;

export interface ReceiverRig {
  tg: FakeTelegram;
  receiver: Receiver;
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startReceiverRig(
  over: { settings?: Partial<Settings>; dataDir?: string; logger?: Logger } & Omit<Partial<ReceiverOptions>, 'settings' | 'logger'> = {},
): Promise<ReceiverRig> {
  const tg = await startFakeTelegram();
  tg.addChat({ id: CHAT, type: 'supergroup', title: 'Alerts' });
  const dir = over.dataDir ? null : tempDir('sentry-tg-recv-');
  const { settings: extra, dataDir, logger, ...opts } = over;
  const receiver = await startReceiver({
    settings: serveSettings({
      telegramToken: tg.token,
      chatId: String(CHAT),
      dataDir: dataDir ?? dir!.path,
      telegramApiRoot: tg.url,
      updates: false,
      ...extra,
    }),
    logger: logger ?? silentLogger(),
    ...opts,
  });
  const url = new URL(receiver.localUrl);
  return {
    tg,
    receiver,
    host: url.hostname,
    port: Number(url.port),
    async close() {
      await receiver.close();
      await tg.close();
      dir?.cleanup();
    },
  };
}

export interface RawAnswer {
  /** null when the server closed the connection without an answer. */
  status: number | null;
  headers: string;
  body: string;
}

/** Parses the first HTTP answer out of the bytes a socket received. */
export function parseAnswer(raw: string): RawAnswer {
  // Interim answers (100 Continue) come before the real one.
  while (/^HTTP\/1\.1 1\d\d /.test(raw) && raw.includes('\r\n\r\n')) raw = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  const m = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(raw);
  return m ? { status: Number(m[1]), headers: m[2]!, body: m[3]! } : { status: null, headers: '', body: raw };
}

export function openSocket(rig: { host: string; port: number }): Promise<Socket> {
  return new Promise((ok, fail) => {
    const s = connect(rig.port, rig.host, () => ok(s));
    s.once('error', fail);
  });
}

/** Collects everything the server sends until it closes the socket (or `timeoutMs` passes). */
export function collect(socket: Socket, timeoutMs = 10_000): Promise<string> {
  return new Promise((ok) => {
    let text = '';
    const timer = setTimeout(() => (socket.destroy(), ok(text)), timeoutMs);
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => (clearTimeout(timer), ok(text)));
  });
}

/** Sends raw bytes (then half-closes unless `keepOpen`) and returns the first answer. */
export async function rawRequest(rig: { host: string; port: number }, bytes: string | Buffer, opts: { keepOpen?: boolean; timeoutMs?: number } = {}): Promise<RawAnswer> {
  const socket = await openSocket(rig);
  const done = collect(socket, opts.timeoutMs);
  socket.write(bytes);
  if (!opts.keepOpen) socket.end();
  return parseAnswer(await done);
}

/** A request line, headers and body with the framing given (Content-Length added unless set). */
export function httpText(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  const has = (n: string) => Object.keys(headers).some((k) => k.toLowerCase() === n);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (!has('content-length') && !has('transfer-encoding') && body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
