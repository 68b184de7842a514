// The one exit: parse argv, run a command, turn typed errors into a message and an exit code.
import { CommanderError } from 'commander';
import { CancelledError, ConfigError, UserError } from '../errors.js';
import { redact } from '../log/redact.js';
import { openNgrokTunnel } from '../tunnel/ngrok.js';
import type { ServeSettings } from '../commands/serve.js';
import { runProgram } from './exec.js';
import type { Context } from './context.js';
import { createOutput } from './output.js';
import { createProgram, type Commands } from './program.js';
import { inquirerPrompts } from './prompts.js';

// Each command (and what it pulls in: Express, SQLite, prompts, the Sentry SDK) loads only when
// it runs, so `--help` and `--version` start in about the time of a bare `node`.
export const COMMANDS: Commands = {
  serve: async (ctx, loaded, flags) =>
    (await import('../commands/serve.js')).serveCommand(ctx, loaded.settings as ServeSettings, flags),
  setup: async (ctx, loaded, flags) => (await import('../commands/setup/index.js')).setupCommand(ctx, loaded, flags),
  testSend: async (ctx, loaded, flags) => (await import('../commands/test-send.js')).testSendCommand(ctx, loaded, flags),
  doctor: async (ctx, loaded, flags) => (await import('../commands/doctor/doctor.js')).doctorCommand(ctx, loaded, flags),
};

export function realContext(argv: string[]): Context {
  const env = process.env;
  return {
    argv,
    env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) && !env.CI,
    out: createOutput(process.stdout, process.stderr, env),
    prompts: inquirerPrompts,
    fetch: globalThis.fetch,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    exec: runProgram,
    openTunnel: openNgrokTunnel,
    untilSignal: () =>
      new Promise((resolve) => {
        const on = (sig: string) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          resolve(sig);
        };
        process.once('SIGINT', on);
        process.once('SIGTERM', on);
      }),
  };
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: string[], ctx: Context = realContext(argv), commands: Commands = COMMANDS): Promise<number> {
  let pending: Promise<number> | null = null;
  const program = createProgram(ctx, commands, (p) => {
    pending = p;
  });
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return pending ? await pending : 0;
  } catch (err) {
    return report(ctx, err, debug);
  }
}

function report(ctx: Context, err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors were already printed.
    return err.exitCode;
  }
  if (err instanceof CancelledError || (err as Error)?.name === 'ExitPromptError') {
    ctx.out.warn('Cancelled: nothing more was changed.');
    return 0;
  }
  if (err instanceof ConfigError) {
    ctx.out.error(err.message);
    if (err.hint) ctx.out.error(err.hint);
    return err.exitCode;
  }
  if (err instanceof UserError) {
    ctx.out.error(`Error: ${err.message}`);
    if (err.hint) ctx.out.error(err.hint);
    if (debug && err.stack) ctx.out.error(redact(err.stack));
    return err.exitCode;
  }
  const e = err as Error;
  ctx.out.error(`Unexpected error: ${redact(e?.message ?? String(err))}`);
  ctx.out.error(debug && e?.stack ? redact(e.stack) : 'Run again with --debug for details, and please report it.');
  return 1;
}
