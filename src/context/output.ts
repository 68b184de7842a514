// The one module that writes to the terminal for humans (logs go through pino instead).
// Four colours need no library: plain ANSI codes, off unless stdout is a terminal (or FORCE_COLOR),
// and always off with NO_COLOR.
import { redact } from '../log/redact.js';

export interface Output {
  info(text: string): void;
  ok(text: string): void;
  warn(text: string): void;
  fail(text: string): void;
  /** A line with no decoration (data a script may read). */
  plain(text: string): void;
  error(text: string): void;
}

const ANSI = { cyan: 36, green: 32, yellow: 33, red: 31 } as const;

export function createOutput(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Output {
  const colour = !env.NO_COLOR && Boolean((stdout as NodeJS.WriteStream).isTTY || env.FORCE_COLOR);
  const c = (name: keyof typeof ANSI, s: string) => {
    if (!colour) return s;
    const [on, off] = [`\x1b[${ANSI[name]}m`, '\x1b[39m'];
    // Closed and reopened around line breaks, so a pager or a prefix never inherits the colour.
    return on + s.replaceAll('\n', `${off}\n${on}`) + off;
  };
  const out = (s: string) => stdout.write(redact(s) + '\n');
  return {
    info: (t) => out(c('cyan', '›') + ' ' + t),
    ok: (t) => out(c('green', '✔') + ' ' + t),
    warn: (t) => out(c('yellow', '!') + ' ' + t),
    fail: (t) => out(c('red', '✖') + ' ' + t),
    plain: (t) => out(t),
    error: (t) => stderr.write(redact(c('red', t)) + '\n'),
  };
}
