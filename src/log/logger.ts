// pino: readable lines in a terminal, JSON otherwise, optionally also JSON to a file.
// Every line passes through `redact`, so a token inside an error or URL never lands in a log.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redact } from './redact.js';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable output (default: when stdout is a terminal). */
  pretty?: boolean;
  file?: string | undefined;
  /** Where terminal/JSON lines go (default stdout). */
  stream?: NodeJS.WritableStream;
}

/** A stream wrapper that masks secrets in every chunk before it is written. */
function redacting(target: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      target.write(redact(chunk.toString()));
      done();
    },
  });
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.stream ?? process.stdout;
  const isPretty = opts.pretty ?? Boolean((out as NodeJS.WriteStream).isTTY);
  const main = isPretty
    ? pretty({ destination: redacting(out), colorize: !process.env.NO_COLOR, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' })
    : redacting(out);
  const streams: pino.StreamEntry[] = [{ stream: main }];
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    streams.push({ stream: redacting(pino.destination({ dest: opts.file, sync: false, mkdir: true }) as unknown as NodeJS.WritableStream) });
  }
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: undefined,
      // Known secret-bearing fields are dropped outright; free text is masked by `redacting`.
      redact: { paths: ['token', 'secret', '*.token', '*.secret', 'headers.authorization', 'req.headers.authorization'], remove: true },
      serializers: { err: pino.stdSerializers.err },
    },
    pino.multistream(streams),
  );
}

/** A logger that discards everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
