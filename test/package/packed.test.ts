// The package as users get it. `npm pack`, then `npm install <tarball>` in an empty folder outside
// the repository (only what `files` ships and only `dependencies` get there), then the commands a
// new user runs, through npx: --version, --help, a dry-run setup against the fake Telegram and
// Sentry, and `serve` answering /health and delivering one alert. A file missing from `files`,
// an import of a devDependency or a broken `bin` fails here and nowhere else.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { SECRET, sentryRequest, tempDir } from '../helpers.js';
import { makeWorld, PRIVATE_CHAT, sentryWrites, type World } from '../setup/helpers.js';
import { npx, PACKAGE_TEST_SKIPPED, packAndInstall, REPO, serve, userEnv, type Installed } from './packed.js';

const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// Installing compiles better-sqlite3 when no prebuilt binary fits (always here: no network
// but the registry). Alone on this 2-core machine that is about 2 minutes; leave room for load.
const INSTALL_TIMEOUT_MS = 15 * 60_000;

let inst: Installed;

describe('engines', () => {
  it('names exactly the Node lines CI tests: this machine`s 20 and .ci/run`s others', async () => {
    const ci = await readFile(join(REPO, '.ci/run'), 'utf8');
    const others = /^OTHER_NODES=\(([^)]*)\)/m.exec(ci)?.[1]?.trim().split(/\s+/) ?? [];
    expect(others.length).toBeGreaterThan(0);
    const tested = ['20', ...others.map((v) => v.split('.')[0]!)];
    const ranges = pkg.engines.node.split('||').map((r) => r.trim());
    expect(ranges.map((r) => /^\^(\d+)\./.exec(r)?.[1])).toEqual(tested);
    // The oldest Node the README's install section names.
    expect(ranges[0]).toBe('^20.11.0');
  });
});

describe.skipIf(PACKAGE_TEST_SKIPPED)('the packed package, installed from its tarball', () => {
  beforeAll(async () => {
    inst = await packAndInstall();
    // Shown in CI's log: the figure a user waits through on first install.
    console.log(`packed package: npm install from the tarball took ${inst.installSeconds} s on Node ${process.version}`);
  }, INSTALL_TIMEOUT_MS);
  afterAll(() => inst?.cleanup());

  it('ships the bin, the compiled CLI and the templates, and nothing of the sources or tests', () => {
    const bin = pkg.bin['sentry-tg']!.replace(/^\.\//, '');
    expect(inst.files).toContain(bin);
    expect(inst.files).toContain('dist/cli/main.js');
    expect(inst.files.some((f) => f.startsWith('templates/'))).toBe(true);
    expect(inst.files.filter((f) => /^(src|test|bench|\.ci)\//.test(f))).toEqual([]);
  });

  it('installs only the runtime dependencies', () => {
    const installed = (name: string) => existsSync(join(inst.app, 'node_modules', name, 'package.json'));
    for (const dep of Object.keys(pkg.dependencies)) expect(installed(dep), dep).toBe(true);
    for (const dev of ['vitest', 'typescript', 'tsx', 'supertest', 'fast-check']) {
      expect(pkg.devDependencies[dev], `${dev} is a devDependency`).toBeDefined();
      expect(installed(dev), dev).toBe(false);
    }
  });

  it('every compiled module loads with the runtime dependencies alone (no dev-only import)', async () => {
    const script = `
      import { readdirSync } from 'node:fs';
      import { join } from 'node:path';
      import { pathToFileURL } from 'node:url';
      const root = join(process.cwd(), 'node_modules/sentry-tg/dist');
      const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.js') ? [join(d, e.name)] : []);
      const files = walk(root);
      for (const f of files) await import(pathToFileURL(f).href);
      console.log('loaded ' + files.length);`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: inst.app, env: userEnv() }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(Number(/loaded (\d+)/.exec(out)?.[1])).toBeGreaterThan(20);
  });

  it('npx sentry-tg --version prints the package version', async () => {
    const r = await npx(inst.app, ['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('npx sentry-tg --help lists every command', async () => {
    const r = await npx(inst.app, ['--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const command of ['serve', 'setup', 'test-send', 'doctor']) expect(r.stdout).toMatch(new RegExp(`^\\s+${command} `, 'm'));
  });

  describe('setup --dry-run --non-interactive', () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld();
    });
    afterAll(async () => w?.close());

    it('talks to Telegram and Sentry, prints the plan and changes nothing', async () => {
      const before = await readFile(w.envFile, 'utf8');
      const env = Object.fromEntries(Object.entries(w.env).filter((e): e is [string, string] => e[1] !== undefined));
      const args = ['--env-file', w.envFile, 'setup', '--non-interactive', '--dry-run', '--mode', 'plugin', '--public-url', w.publicUrl, '--data-dir', w.dataDir];
      const r = await npx(inst.app, args, env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain('Telegram bot: @sentry_tg_test_bot');
      expect(r.stdout + r.stderr).toMatch(/Plan:\n\s+1\. Telegram: send a confirmation message/);
      expect(r.stdout + r.stderr).toContain('Dry run: nothing was changed.');
      expect(w.tg.callsTo('getMe').length).toBeGreaterThan(0);
      expect(w.sentry.requests.length).toBeGreaterThan(0);
      expect(sentryWrites(w)).toEqual([]);
      expect(w.tg.callsTo('sendMessage')).toHaveLength(0);
      expect(await readFile(w.envFile, 'utf8')).toBe(before);
    });
  });

  describe('serve', () => {
    let tg: FakeTelegram;
    let data: ReturnType<typeof tempDir>;
    beforeAll(async () => {
      // The fake enforces Telegram's real rate limits (the default).
      tg = await startFakeTelegram({ chats: [{ id: PRIVATE_CHAT, type: 'private', firstName: 'Ops' }] });
      data = tempDir();
    });
    afterAll(async () => {
      await tg?.close();
      data?.cleanup();
    });

    it('answers GET /health and delivers a signed alert rendered from the shipped templates', async () => {
      const child = await serve(inst.app, {
        SENTRY_ALERT_TELEGRAM_TOKEN: tg.token,
        SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
        SENTRY_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: tg.url,
        SENTRY_TG_DATA_DIR: data.path,
        PORT: '0',
      });
      try {
        const res = await fetch(`${child.url}/health`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ status: 'ok', version: pkg.version });

        const payload = {
          action: 'triggered',
          data: {
            event: { event_id: 'a'.repeat(32), title: 'PackagedError: from the tarball', level: 'error', issue_id: '4242', web_url: 'https://sentry.io/organizations/acme/issues/4242/' },
            triggered_rule: 'package test',
          },
        };
        const { body, headers } = sentryRequest(payload, { resource: 'event_alert' });
        const posted = await fetch(child.url + WEBHOOK_PATH, { method: 'POST', headers, body });
        expect(posted.status).toBe(202);
        const message = await tg.waitFor((t) => t.messagesIn(PRIVATE_CHAT)[0], 20_000);
        expect(message.text).toContain('PackagedError: from the tarball');
        expect(tg.rateLimited).toBe(0);
      } finally {
        process.kill(-child.proc.pid!, 'SIGTERM');
        await child.exited;
      }
      expect(child.output()).toContain('stopped');
      expect(child.output()).not.toContain(tg.token.split(':')[1]);
    }, 60_000);
  });
});
