// The few read-only git questions setup and doctor ask (is this a repository, is .env tracked or
// ignored), run without a shell and never waiting on a prompt.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface GitResult {
  /** git's exit code; null when it did not finish (not installed, timed out, killed). */
  exitCode: number | null;
  /** git itself is not installed. */
  missing: boolean;
  stdout: string;
}

export async function runGit(args: readonly string[], opts: { cwd: string; timeoutMs?: number }): Promise<GitResult> {
  const run = execFileAsync('git', [...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
    // 0: no limit.
    timeout: opts.timeoutMs ?? 0,
    windowsHide: true,
    // Never a credential or pager prompt: these run inside a wizard and a health check.
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' },
  });
  run.child.stdin?.end();
  try {
    const { stdout } = await run;
    return { exitCode: 0, missing: false, stdout };
  } catch (err) {
    // A non-zero exit is an answer (e.g. check-ignore's 1: "not ignored"), not a failure.
    const e = err as { code?: number | string; killed?: boolean; stdout?: string };
    const exitCode = typeof e.code === 'number' && !e.killed ? e.code : null;
    return { exitCode, missing: e.code === 'ENOENT', stdout: e.stdout ?? '' };
  }
}
