// The few read-only git questions setup asks (is this a repository, is .env tracked or ignored),
// through the one program runner (context/exec.ts): no shell, never a prompt or a pager.
import { runProgram } from '../context/exec.js';

export interface GitResult {
  /** git's exit code; null when it did not finish (not installed, timed out, killed). */
  exitCode: number | null;
  /** git itself is not installed. */
  missing: boolean;
  stdout: string;
}

export async function runGit(args: readonly string[], opts: { cwd: string; timeoutMs?: number }): Promise<GitResult> {
  // A non-zero exit is an answer (e.g. check-ignore's 1: "not ignored"), not a failure.
  const r = await runProgram('git', args, {
    cwd: opts.cwd,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    env: { GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' },
  });
  return { exitCode: r.exitCode, missing: r.notFound, stdout: r.stdout };
}
