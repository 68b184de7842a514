// The README's configuration table and --help are both driven by src/config/options.ts:
// these tests keep them from drifting apart.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OPTIONS, type OptionDef } from '../../src/config/options.js';
import { main, COMMANDS } from '../../src/cli/main.js';
import { runProgram } from '../../src/context/exec.js';
import type { Context } from '../../src/context/context.js';
import { createOutput } from '../../src/context/output.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function captureContext(): { ctx: Context; out: () => string } {
  let text = '';
  const sink = new Writable({ write: (c, _e, d) => ((text += String(c)), d()) });
  const env = { NO_COLOR: '1' };
  const ctx = {
    argv: [], env, cwd: process.cwd(), stdout: sink, stderr: sink, interactive: false,
    out: createOutput(sink, sink, env),
    prompts: {} as Context['prompts'], fetch, now: Date.now,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), random: Math.random,
    exec: runProgram,
    openTunnel: async () => { throw new Error('no tunnel in tests'); },
    untilSignal: () => new Promise<string>(() => undefined),
  } satisfies Context;
  return { ctx, out: () => text };
}

describe('README configuration table', () => {
  it.each(Object.values(OPTIONS).map((o: OptionDef<unknown>) => [o.env, o] as const))('documents %s with its flag and default', (_env, o) => {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${o.env}\` |`));
    expect(row, `README has no row for ${o.env}`).toBeDefined();
    expect(row).toContain(`\`--${o.flag}\``);
    if (o.defaultText) expect(row).toContain(o.defaultText);
  });

  it('shows the install-and-run and test commands first', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toContain('npm install && npx sentry-tg setup');
    expect(firstBlock).toContain('npm test');
  });
});

describe('--help', () => {
  it('serve --help names every env twin and default', async () => {
    const { ctx, out } = captureContext();
    const code = await main(['node', 'sentry-tg', 'serve', '--help'], ctx, COMMANDS);
    expect(code).toBe(0);
    expect(out()).toContain('--chat-id <id>');
    expect(out()).toContain('env: SENTRY_ALERT_CHAT_ID');
    expect(out()).toContain('env: PORT, default: 8003');
    expect(out()).toMatchSnapshot();
  });

  it('an unknown command is a usage error, not a crash', async () => {
    const { ctx, out } = captureContext();
    const code = await main(['node', 'sentry-tg', 'frobnicate'], ctx, COMMANDS);
    expect(code).toBe(1);
    expect(out()).toContain("unknown command 'frobnicate'");
  });
});
