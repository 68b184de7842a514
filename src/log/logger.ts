// pino: readable lines in a terminal, JSON otherwise, optionally also JSON to a file.
// Every serialised line passes through `redact` (pino's streamWrite hook), so a token inside an
// error or URL never lands in a log, whichever destination it goes to.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { redact } from './redact.js';

// pino-pretty (and its colour and date helpers) only for a terminal: a receiver under systemd or
// Docker logs JSON and never needs it. Required, not imported, because createLogger is synchronous.
const require = createRequire(import.meta.url);
const prettyStream = (opts: PinoPretty.PrettyOptions): DestinationStream => (require('pino-pretty') as typeof PinoPretty)(opts);

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable output (default: when the stream is a terminal). */
  pretty?: boolean;
  file?: string | undefined;
  /** Where terminal/JSON lines go (default stdout). */
  stream?: NodeJS.WritableStream;
}

// Under load a write(2) per line cost more CPU than the webhook it logs: lines are gathered up to
// 4 KiB and written at most FLUSH_EVERY_MS late. pino flushes what is left when the process exits.
const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 250;

function bufferedStdout(): DestinationStream {
  const dest = pino.destination({ fd: 1, sync: false, minLength: BUFFER_BYTES });
  setInterval(() => dest.flush(), FLUSH_EVERY_MS).unref();
  return dest;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.stream ?? process.stdout;
  const isPretty = opts.pretty ?? Boolean((out as NodeJS.WriteStream).isTTY);
  const main: DestinationStream = isPretty
    ? prettyStream({ destination: out, colorize: !process.env.NO_COLOR, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' })
    : out === process.stdout
      ? bufferedStdout()
      : (out as unknown as DestinationStream);
  let destination = main;
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    destination = pino.multistream([{ stream: main }, { stream: pino.destination({ dest: opts.file, sync: false, mkdir: true }) }]);
  }
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: undefined,
      // Known secret-bearing fields are dropped outright; free text is masked line by line.
      redact: { paths: ['token', 'secret', '*.token', '*.secret', 'headers.authorization', 'req.headers.authorization'], remove: true },
      serializers: { err: pino.stdSerializers.err },
      hooks: { streamWrite: redact },
    },
    destination,
  );
}

/** A logger that discards everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
