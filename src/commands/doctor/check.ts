// One doctor check's verdict, and what every check may read. Checks never throw for a problem
// they are meant to find: a broken setup is a `fail` with a fix, not an exception.
import type { Context } from '../../context/context.js';
import type { Loaded } from '../../config/load.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** One line: what was found (for `skip`, why the check could not run). */
  detail: string;
  /** One line: what to do about it. */
  fix?: string;
}

/** What doctor was asked to look at (the rest comes from the one Context). */
export interface DoctorInput {
  loaded: Loaded;
  /** Problems found while loading the configuration (the values kept are the valid ones). */
  configProblems: string[];
  /** Absolute path of the .env file doctor looked at. */
  envFile: string;
  /** Bound on every network call. */
  timeoutMs: number;
}

/** What every check may read: the context's edges it uses, and the input. */
export type DoctorEnv = Pick<Context, 'cwd' | 'fetch' | 'now' | 'exec'> & DoctorInput;

export function result(
  id: string,
  title: string,
  status: CheckStatus,
  detail: string,
  fix?: string,
): CheckResult {
  return fix === undefined ? { id, title, status, detail } : { id, title, status, detail, fix };
}

/** Builds results for one check id, so a check's title is written once. */
export function checker(id: string, title: string) {
  return {
    ok: (detail: string) => result(id, title, 'ok', detail),
    warn: (detail: string, fix?: string) => result(id, title, 'warn', detail, fix),
    fail: (detail: string, fix: string) => result(id, title, 'fail', detail, fix),
    /** A skip may say how to check by hand. */
    skip: (detail: string, fix?: string) => result(id, title, 'skip', detail, fix),
  };
}

/** Error text for a detail line: the message without a trailing period. */
export function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
}
