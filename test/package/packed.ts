// The package as users get it: `npm pack` of this repository, installed from the tarball into an
// empty folder outside the repository, then run there with `npx`. Shared by the package tests.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO = new URL('../../', import.meta.url).pathname;

/** Set by .ci/run (or by hand) to leave the slow install out of a run: `SENTRY_TG_PACKAGE_TEST=skip`. */
export const PACKAGE_TEST_SKIPPED = process.env.SENTRY_TG_PACKAGE_TEST === 'skip';

/**
 * The environment of a user's shell: this test's Node first on PATH (so the install compiles
 * for the Node that runs the suite), and none of the npm_* variables that `npm test` sets for
 * its scripts (npm_config_local_prefix would point npm back at this repository). A nodedir
 * chosen for this Node version (.ci/run sets one for Node 22 and 24) is kept.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) || key.toLowerCase() === 'npm_config_nodedir') env[key] = value;
  }
  env.PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

export interface Installed {
  /** The empty folder the tarball was installed into (cwd for every command). */
  app: string;
  tarball: string;
  /** Paths inside the tarball, relative to the package root. */
  files: string[];
  installSeconds: number;
  cleanup(): void;
}

export async function packAndInstall(): Promise<Installed> {
  // `npm test` has just built dist/. Packing with --ignore-scripts skips `prepare` (a second
  // build), which would rewrite dist/ under the feet of other test files that run the CLI.
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  const root = mkdtempSync(join(tmpdir(), 'sentry-tg-package-'));
  const app = join(root, 'app');
  mkdirSync(app);
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO, env: userEnv(), maxBuffer: 16 << 20 });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no package: ${packed.stdout}`);
  const tarball = join(root, info.filename);

  const started = performance.now();
  // --prefer-offline: dependencies come from the npm cache when it has them, else the registry.
  await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'], {
    cwd: app,
    env: userEnv(),
    maxBuffer: 16 << 20,
  });
  const installSeconds = Math.round((performance.now() - started) / 100) / 10;
  return { app, tarball, files: info.files.map((f) => f.path), installSeconds, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx --no -- sentry-tg <args>` in the app folder: --no so npx never fetches a package of that name. */
export function npx(app: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile('npx', ['--no', '--', 'sentry-tg', ...args], { cwd: app, env: userEnv(env), timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

export interface Served {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Resolves once npx and the receiver have both exited. */
  exited: Promise<number | null>;
}

/** `sentry-tg serve` through npx, started in its own process group so it can be stopped whole. */
export function serve(app: string, env: Record<string, string>): Promise<Served> {
  const proc = spawn('npx', ['--no', '--', 'sentry-tg', 'serve'], { cwd: app, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  // 'close', not 'exit': npx may exit before the receiver it started has written its last line;
  // the output pipes close only when both are gone.
  const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s:\n${out}`)), 30_000);
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
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
}
