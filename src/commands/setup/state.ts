// The answers of an unfinished setup, so that no answer is typed twice. Kept next to the env
// file (mode 0600: it holds the same secrets), written after each group of questions, at "Go
// ahead" and as soon as Sentry creates something; removed once the setup has completed. A
// re-run takes its answers as if they were in the env file (flags and the environment still
// win) and, when the plan was already confirmed, finishes the work without asking again.
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { OPTIONS, type OptionDef, type OptionKey } from '../../config/options.js';
import type { Session } from './session.js';

/** Setup's answers that a resumed run needs (everything it would otherwise ask). */
const KEPT: OptionKey[] = [
  'telegramToken', 'chatId', 'topicId', 'sentryUrl', 'sentryAuthToken', 'sentryOrg', 'sentryProject', 'mode',
  'publicUrl', 'ngrokAuthtoken', 'webhookSecret', 'integration', 'allowedUsers',
];

export interface SetupState {
  version: 1;
  savedAt: string;
  /** By env name, as in the env file. */
  answers: Record<string, string>;
  /** The user said "Go ahead" to the plan. */
  confirmed: boolean;
  /** The frequency question's answer, when it was asked. */
  frequencyRule?: boolean;
  /** What the work changed so far, for "done before the interruption". */
  done: string[];
}

export function statePath(envPath: string): string {
  return `${envPath}.setup-state`;
}

/** The saved state, or null when there is none or it is not ours to trust (then it is ignored). */
export function readState(path: string): SetupState | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const p = parsed as Partial<SetupState>;
  if (p.version !== 1 || typeof p.answers !== 'object' || p.answers === null) return null;
  const answers = Object.fromEntries(Object.entries(p.answers).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {
    version: 1,
    savedAt: typeof p.savedAt === 'string' ? p.savedAt : '',
    answers,
    confirmed: p.confirmed === true,
    ...(typeof p.frequencyRule === 'boolean' ? { frequencyRule: p.frequencyRule } : {}),
    done: Array.isArray(p.done) ? p.done.filter((d): d is string => typeof d === 'string') : [],
  };
}

/**
 * Puts the saved answers into the session where neither a flag nor the environment gave one.
 * Returns how many were taken.
 */
export function applyState(s: Session, state: SetupState): number {
  let taken = 0;
  for (const key of KEPT) {
    const def: OptionDef<unknown> = OPTIONS[key];
    const raw = state.answers[def.env];
    if (raw === undefined || s.sources[key] === 'flag' || s.sources[key] === 'env') continue;
    const parsed = def.parse(raw);
    if ('error' in parsed || parsed.value === undefined) continue;
    (s.settings as Record<string, unknown>)[key] = parsed.value;
    s.sources[key] = 'file';
    taken++;
  }
  if (state.frequencyRule !== undefined && s.flags.frequencyRule === undefined) s.flags.frequencyRule = state.frequencyRule;
  return taken;
}

/** The session's current answers and progress, written atomically with mode 0600. */
export function saveState(s: Session, extra: Partial<Pick<SetupState, 'confirmed' | 'frequencyRule'>> = {}): void {
  if (s.dryRun) return;
  const path = statePath(s.envPath);
  const before = readState(path);
  const answers: Record<string, string> = {};
  for (const key of KEPT) {
    const value = (s.settings as Record<string, unknown>)[key];
    if (value === undefined || value === null || value === '') continue;
    answers[OPTIONS[key].env] = Array.isArray(value) ? value.join(',') : String(value);
  }
  const state: SetupState = {
    version: 1,
    savedAt: new Date(s.ctx.now()).toISOString(),
    answers,
    confirmed: extra.confirmed ?? before?.confirmed ?? false,
    ...((extra.frequencyRule ?? before?.frequencyRule) !== undefined ? { frequencyRule: (extra.frequencyRule ?? before?.frequencyRule)! } : {}),
    done: [...s.changes.remote, ...s.changes.local],
  };
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function removeState(s: Session): void {
  rmSync(statePath(s.envPath), { force: true });
}

export function stateName(s: Session): string {
  return basename(statePath(s.envPath));
}
