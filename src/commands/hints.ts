// The one place that turns an error into "problem + fix" for a person: the CLI's exit (main),
// test-send's verdicts and doctor's checks say the same thing about the same failure. Layers
// below throw their own typed errors (TelegramApiError, SentryApiError, ConfigError…) and never
// word advice for the terminal themselves.
import { telegramHint } from '../deliver/telegram-verdict.js';
import { TelegramApiError, TelegramNetworkError } from '../telegram/errors.js';
import { ConfigError, UserError } from '../errors.js';
import { redact } from '../log/redact.js';
import { PortInUseError } from '../receive/errors.js';

export interface Explained {
  /** config: the whole list of problems; user: a known failure; unexpected: a bug (show the stack with --debug). */
  kind: 'config' | 'user' | 'telegram' | 'network' | 'unexpected';
  /** What happened, one line (a list for config), secrets masked. */
  problem: string;
  /** What to do next. */
  fix: string;
  exitCode: number;
}

export interface ExplainOptions {
  /** Set when the failure happened talking to Telegram: a non-API error is then the network's. */
  telegramApiRoot?: string;
}

const REPORT_IT = 'Run again with --debug for details, and please report it.';

export function telegramNetworkFix(apiRoot: string): string {
  return `Check the network, and TELEGRAM_API_ROOT (${apiRoot}) if you use a proxy or a local Bot API server.`;
}

export function explainError(err: unknown, opts: ExplainOptions = {}): Explained {
  if (err instanceof ConfigError) return { kind: 'config', problem: err.message, fix: err.hint ?? '', exitCode: err.exitCode };
  if (err instanceof TelegramApiError) {
    return { kind: 'telegram', problem: `Telegram answered ${err.code} ${redact(err.description)}`, fix: telegramHint(err), exitCode: 1 };
  }
  if (err instanceof PortInUseError) return { kind: 'user', problem: err.message, fix: 'Stop the other process or pass --port.', exitCode: 1 };
  if (err instanceof UserError) return { kind: 'user', problem: redact(err.message), fix: err.hint ?? '', exitCode: err.exitCode };
  const message = redact(err instanceof Error ? err.message : String(err));
  if (opts.telegramApiRoot !== undefined || err instanceof TelegramNetworkError) {
    return { kind: 'network', problem: message, fix: telegramNetworkFix(opts.telegramApiRoot ?? 'https://api.telegram.org'), exitCode: 1 };
  }
  return { kind: 'unexpected', problem: message, fix: REPORT_IT, exitCode: 1 };
}
