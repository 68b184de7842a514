// What every setup step shares: the parts of the one Context setup uses, whether a person can
// answer, the settings (written only through `keep`, by questions.ts and apply.ts, never by a
// step) and the append-only record of what was changed (for the summary, also after a failure).
import { resolve } from 'node:path';
import type { Context } from '../../context/context.js';
import type { Loaded } from '../../config/load.js';
import { OPTIONS, type OptionKey, type Settings } from '../../config/options.js';
import { UserError } from '../../errors.js';
import { cliText, type CliText } from '../../i18n/cli.js';

export type Mode = 'plugin' | 'integration';
export const MODES: readonly Mode[] = ['plugin', 'integration'];

/** The flags commander parsed for `setup`, plus test-only knobs that have no CLI flag. */
export interface SetupFlags {
  mode?: string;
  /** true = --tunnel, false = --no-tunnel, undefined = not said. */
  tunnel?: boolean;
  frequencyRule?: boolean;
  nonInteractive?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  /** false = --no-serve. */
  serve?: boolean;
  /** Send the confirmation and the test alert even when nothing changed. */
  sendTest?: boolean;
  /** How long chat discovery waits for /start (default 2 minutes). */
  chatWaitMs?: number;
  /** How long the proof waits for the test alert to reach Telegram (default 30 s). */
  proofTimeoutMs?: number;
}

export function readFlags(raw: Record<string, unknown>): SetupFlags {
  const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  const flags: SetupFlags = {};
  if (typeof raw.mode === 'string') flags.mode = raw.mode;
  const assign = <K extends keyof SetupFlags>(k: K, v: SetupFlags[K] | undefined) => {
    if (v !== undefined) flags[k] = v;
  };
  assign('tunnel', bool(raw.tunnel));
  assign('frequencyRule', bool(raw.frequencyRule));
  assign('nonInteractive', bool(raw.nonInteractive));
  assign('yes', bool(raw.yes));
  assign('dryRun', bool(raw.dryRun));
  assign('serve', bool(raw.serve));
  assign('sendTest', bool(raw.sendTest));
  assign('chatWaitMs', num(raw.chatWaitMs));
  assign('proofTimeoutMs', num(raw.proofTimeoutMs));
  return flags;
}

export interface Changes {
  /** Local files, e.g. ".env: SENTRY_ORG, SENTRY_PROJECT changed (backup .env.bak)". */
  local: string[];
  /** Telegram and Sentry settings, e.g. "Sentry: created alert rule …". */
  remote: string[];
}

/** The parts of the one Context that setup uses (no other context shape). */
export type SetupContext = Pick<
  Context,
  'cwd' | 'fetch' | 'interactive' | 'now' | 'sleep' | 'openTunnel' | 'out' | 'prompts' | 'stdin' | 'stdout' | 'untilSignal'
>;

export interface Session {
  ctx: SetupContext;
  /** A person can answer prompts. */
  interactive: boolean;
  dryRun: boolean;
  flags: SetupFlags;
  settings: Settings;
  sources: Loaded['sources'];
  /** Absolute path of the env file this run writes. */
  envPath: string;
  /** The env file name as the user gave it (for the `serve` command we print). */
  envArg: string | null;
  changes: Changes;
  /** Answers came from an unfinished earlier run (.env.setup-state): ask nothing already answered. */
  resumed?: boolean;
  /** Setup's words in the user's language (SENTRY_TG_LOCALE, else LANG). */
  t: CliText;
}

export function createSession(ctx: SetupContext, loaded: Loaded, rawFlags: Record<string, unknown>): Session {
  const flags = readFlags(rawFlags);
  // `--env-file` is a program-level option; the loader already resolved it (default `.env`).
  const envArg = loaded.envFile.path === '.env' ? null : loaded.envFile.path;
  return {
    ctx,
    interactive: ctx.interactive && !flags.nonInteractive && !flags.yes,
    dryRun: flags.dryRun === true,
    flags,
    settings: { ...loaded.settings },
    sources: { ...loaded.sources },
    envPath: resolve(ctx.cwd, loaded.envFile.path),
    envArg,
    changes: { local: [], remote: [] },
    t: cliText(loaded.settings.locale),
  };
}

/**
 * Keeps answers in the settings (and so in the resumable state file). Only the orchestrator
 * (index.ts) calls it: question steps return their answers and never write into the session.
 * A key present with `undefined` clears that setting (e.g. no topic).
 */
export function keep(s: Session, answers: Partial<Settings>): void {
  Object.assign(s.settings, answers);
}

/** "--chat-id (SENTRY_ALERT_CHAT_ID)" for an option key. */
export function flagAndEnv(key: OptionKey): string {
  const def = OPTIONS[key];
  return `--${def.flag} (${def.env})`;
}

/** A question that cannot be asked: the one answer that is missing. */
export function missingAnswer(s: Session, what: string, why: string): UserError {
  return new UserError(
    `Missing answer: ${what}: ${why}.`,
    s.ctx.interactive
      ? 'Pass it as a flag or environment variable, or run without --non-interactive/--yes to be asked.'
      : 'There is no terminal to ask in: pass it as a flag or environment variable.',
  );
}

export const DEFAULT_CHAT_WAIT_MS = 120_000;
export const DEFAULT_PROOF_TIMEOUT_MS = 30_000;
/** The internal integration's name in Sentry; its slug gets a random suffix. */
export const APP_NAME = 'sentry-tg';
