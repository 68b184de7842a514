// Running a program (only `git`, read-only, for now) through the context, so a check that asks
// git can be handed a fake in a test and never inherits the terminal's stdin.
import { spawn } from 'node:child_process';

export interface ExecResult {
  /** null when the program did not exit by itself (killed on timeout, not found). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The program is not installed (ENOENT). */
  notFound: boolean;
  timedOut: boolean;
}

export interface ExecOptions {
  cwd: string;
  /** Kill the program after this long. */
  timeoutMs?: number;
  /** Added to the current environment. */
  env?: Record<string, string>;
}

export type Exec = (file: string, args: readonly string[], opts: ExecOptions) => Promise<ExecResult>;

/** Never rejects: a missing program, a failure to start or a timeout are fields of the result. */
export const runProgram: Exec = (file, args, opts) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let notFound = false;
    const child = spawn(file, [...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
          }, opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err: NodeJS.ErrnoException) => {
      // 'close' still follows an 'error' of a process that failed to start.
      if (err.code === 'ENOENT') notFound = true;
      else stderr += err.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: timedOut || notFound ? null : code, stdout, stderr, notFound, timedOut });
    });
  });
