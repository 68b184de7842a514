// `sentry-tg serve` as a child process (the built binary), resolved once it listens.
import { spawn, type ChildProcess } from 'node:child_process';

export const BIN = new URL('../../bin/sentry-tg.js', import.meta.url).pathname;

export interface Child {
  proc: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

export function startServe(env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /receiver listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]!, output: () => out, exited });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    exited.then((code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
}

/** The environment of a `serve` that posts to `chatId` through the fake Telegram at `tg`. */
export function serveEnv(tg: { token: string; url: string }, chatId: number, secret: string, dataDir: string): Record<string, string> {
  return {
    SENTRY_ALERT_TELEGRAM_TOKEN: tg.token,
    SENTRY_ALERT_CHAT_ID: String(chatId),
    SENTRY_WEBHOOK_SECRET: secret,
    TELEGRAM_API_ROOT: tg.url,
    PORT: '0',
    SENTRY_TG_DATA_DIR: dataDir,
  };
}
