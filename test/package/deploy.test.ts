// As a service: the systemd unit in deploy/ and the Dockerfile, checked as far as this machine
// allows. The unit goes through `systemd-analyze verify` and `security` (offline, in a scratch
// root). There is no Docker engine here, so the Dockerfile is read: its COPY sources exist and
// reach the build context, the runtime stage holds what the npm package ships and runs its `bin`
// as a non-root user with the data directory on a volume, and its HEALTHCHECK command is run
// against a real receiver.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { tempDir } from '../helpers.js';
import { freePort } from '../setup/helpers.js';
import { copies, dockerIgnored, envOf, execForm, last, parseDockerfile, type Stage } from './dockerfile.js';
import { REPO } from './packed.js';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; files: string[] };
const BIN_NAME = 'sentry-tg';
const BIN_PATH = pkg.bin[BIN_NAME]!.replace(/^\.\//, '');

/** [Section] → key → every value (keys may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections[section[1]!] ??= {};
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`unreadable unit line: ${line}`);
    (current[kv[1]!] ??= []).push(kv[2]!);
  }
  return sections;
}

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).error === undefined;

describe('systemd unit deploy/sentry-tg.service', () => {
  const text = read('deploy/sentry-tg.service');
  const unit = parseUnit(text);
  const service = unit.Service ?? {};
  const one = (key: string) => service[key]?.at(-1);
  const dataDir = /^SENTRY_TG_DATA_DIR=(.+)$/.exec(service.Environment?.find((e) => e.startsWith('SENTRY_TG_DATA_DIR=')) ?? '')?.[1];
  const execStart = one('ExecStart')!.split(/\s+/);

  it('runs the package bin`s serve as its own user, hardened, and always comes back', () => {
    expect(posix.basename(execStart[0]!)).toBe(BIN_NAME);
    expect(execStart.slice(1)).toEqual(['serve']);
    expect(one('User')).toBe(BIN_NAME);
    expect(one('EnvironmentFile')).toMatch(/^\//);
    expect(dataDir).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(service.ReadWritePaths?.join(' ').split(/\s+/)).toEqual([dataDir]);
    expect(one('WorkingDirectory')).toBe(dataDir);
    expect({
      NoNewPrivileges: one('NoNewPrivileges'),
      ProtectSystem: one('ProtectSystem'),
      ProtectHome: one('ProtectHome'),
      PrivateTmp: one('PrivateTmp'),
      Restart: one('Restart'),
    }).toEqual({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', Restart: 'always' });
    // V8 compiles code at run time: this would kill the receiver at start.
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
    expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);
  });

  describe.skipIf(!hasAnalyze && !process.env.CI)('systemd-analyze', () => {
    // A scratch root with the system's units, this unit, and a stand-in at its ExecStart path
    // (verify checks that the program exists; the package tests check the program itself).
    let root: string;
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'sentry-tg-unit-'));
      cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
      mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
      writeFileSync(join(root, 'etc/systemd/system/sentry-tg.service'), text);
      const program = join(root, execStart[0]!);
      mkdirSync(dirname(program), { recursive: true });
      writeFileSync(program, '#!/bin/sh\n');
      chmodSync(program, 0o755);
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    const analyze = (args: string[]) => spawnSync('systemd-analyze', [...args, `--root=${root}`, '--man=no', 'sentry-tg.service'], { encoding: 'utf8' });

    it('verify passes without a single warning', () => {
      const r = analyze(['verify', '--generators=no']);
      // Unknown keys and bad values are only warnings (exit 0): the output must be empty too.
      expect({ status: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ status: 0, output: '' });
    });

    it('security rates its exposure at most 2.0 ("OK")', () => {
      const r = analyze(['security', '--offline=yes', '--threshold=20']);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Overall exposure level for sentry-tg\.service: [0-2]\.\d OK/);
    });
  });
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const ignore = read('.dockerignore');
  const runtime = stages.at(-1)!;
  const build = stages.find((s) => s.name === 'build');
  const workdir = (s: Stage) => last(s, 'WORKDIR')!.args;

  it('is multi-stage: a build stage compiles, the runtime stage installs production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build?.instructions.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args))).toBe(true);
    const runs = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm ci\b[^&]*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /npm run build|tsc/.test(r))).toBe(false);
  });

  it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const sources = stages.flatMap((s) => copies(s).filter((c) => c.from === undefined).flatMap((c) => c.sources));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(REPO, source)), source).toBe(true);
      expect(dockerIgnored(ignore, source), `${source} is in .dockerignore`).toBe(false);
    }
    // Secrets and host-built binaries never enter the context.
    for (const kept of ['.env', '.env.production', 'node_modules', 'data']) expect(dockerIgnored(ignore, kept), kept).toBe(true);
  });

  it('gives the runtime stage what the npm package ships, dist from the build stage`s output', () => {
    const inRuntime = copies(runtime).flatMap((c) =>
      c.sources.map((src) => ({ name: c.from ? posix.basename(src) : src.replace(/\/+$/, ''), from: c.from, src })),
    );
    const names = inRuntime.map((c) => c.name);
    for (const shipped of ['package.json', ...pkg.files]) expect(names, shipped).toContain(shipped);
    const dist = inRuntime.find((c) => c.name === 'dist')!;
    expect(dist.from).toBe('build');
    const outDir = (JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
    expect(dist.src).toBe(posix.join(workdir(build!), outDir));
  });

  it('runs the package bin as a non-root user, data on a volume, listening on all interfaces', () => {
    const entry = execForm(last(runtime, 'ENTRYPOINT')!.args);
    const cmd = execForm(last(runtime, 'CMD')!.args);
    expect(entry).toEqual(['node', posix.join(workdir(runtime), BIN_PATH)]);
    expect(cmd).toEqual(['serve']);
    const user = last(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const env = envOf(runtime);
    expect(env.HOST).toBe('0.0.0.0');
    expect(execForm(last(runtime, 'VOLUME')!.args)).toEqual([env.SENTRY_TG_DATA_DIR]);
    expect(last(runtime, 'EXPOSE')?.args).toBe(env.PORT);
  });

  describe('HEALTHCHECK, run against a real receiver', () => {
    let tg: FakeTelegram;
    let data: ReturnType<typeof tempDir>;
    const check = execForm(last(runtime, 'HEALTHCHECK')!.args.replace(/^.*?\bCMD\s+/, 'CMD '));
    const runCheck = (port: number) =>
      new Promise<number>((resolve) => {
        // The image's `node` is this test's Node; the command itself is taken verbatim.
        expect(check[0]).toBe('node');
        execFile(process.execPath, check.slice(1), { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 10_000 }, (err) =>
          resolve(err ? (typeof err.code === 'number' ? err.code : -1) : 0),
        );
      });

    beforeAll(async () => {
      tg = await startFakeTelegram({ chats: [{ id: 5151, type: 'private', firstName: 'Ops' }] });
      data = tempDir();
    });
    afterAll(async () => {
      await tg?.close();
      data?.cleanup();
    });

    it('passes while serve answers /health and fails once it has stopped', async () => {
      const port = await freePort();
      const proc = spawn(process.execPath, [join(REPO, BIN_PATH), 'serve'], {
        env: {
          PATH: process.env.PATH ?? '',
          SENTRY_ALERT_TELEGRAM_TOKEN: tg.token,
          SENTRY_ALERT_CHAT_ID: '5151',
          TELEGRAM_API_ROOT: tg.url,
          SENTRY_TG_DATA_DIR: data.path,
          HOST: '0.0.0.0',
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise((r) => proc.once('exit', r));
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 15_000);
        const onData = (c: Buffer) => {
          out += c.toString();
          if (/receiver listening on/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        proc.stdout!.on('data', onData);
        proc.stderr!.on('data', onData);
      });
      try {
        expect(await runCheck(port)).toBe(0);
      } finally {
        proc.kill('SIGTERM');
        await exited;
      }
      expect(await runCheck(port)).toBe(1);
    }, 40_000);
  });
});
