// The one exit: parse argv, run a command, turn typed errors into a message and an exit code.
// Start-up is kept lean: `--version` answers before commander loads, and each command (with what
// it pulls in: Express, SQLite, prompts, the Sentry SDK, dotenv) loads only when it runs.
import { CancelledError } from '../errors.js';
import { redact } from '../log/redact.js';
import { VERSION } from '../version.js';
import type { Context } from '../context/context.js';
import { runProgram } from '../context/exec.js';
import { createOutput } from '../context/output.js';
import type { Commands } from './program.js';
import { inquirerPrompts } from './prompts.js';

export const COMMANDS: Commands = {
  serve: async (ctx, loaded, flags) => {
    const { serveCommand } = await import('../commands/serve.js');
    return serveCommand(ctx, loaded.settings as Parameters<typeof serveCommand>[1], flags);
  },
  setup: async (ctx, loaded, flags) => (await import('../commands/setup/index.js')).setupCommand(ctx, loaded, flags),
  testSend: async (ctx, loaded, flags) => (await import('../commands/test-send.js')).testSendCommand(ctx, loaded, flags),
  doctor: async (ctx, loaded, flags) => (await import('../commands/doctor/doctor.js')).doctorCommand(ctx, loaded, flags),
  preview: async (ctx, loaded, flags) => (await import('../commands/preview.js')).previewCommand(ctx, loaded, flags),
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
    openTunnel: async (opts) => (await import('../tunnel/ngrok.js')).openNgrokTunnel(opts),
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
  // What commander would print for these, without loading it.
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-v')) {
    ctx.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const debug = argv.includes('--debug');
  let pending: Promise<number> | null = null;
  try {
    const { createProgram } = await import('./program.js');
    const program = createProgram(ctx, commands, (p) => {
      pending = p;
    });
    await program.parseAsync(argv);
    return pending ? await pending : 0;
  } catch (err) {
    return await report(ctx, err, debug);
  }
}

/** Commander's own exits (--help, --version, usage errors it already printed). */
function isCommanderExit(err: unknown): err is { exitCode: number } {
  const e = err as { code?: unknown; exitCode?: unknown } | null;
  return typeof e?.code === 'string' && e.code.startsWith('commander.') && typeof e.exitCode === 'number';
}

async function report(ctx: Context, err: unknown, debug: boolean): Promise<number> {
  if (isCommanderExit(err)) return err.exitCode;
  if (err instanceof CancelledError || (err as Error)?.name === 'ExitPromptError') {
    ctx.out.warn('Cancelled: nothing more was changed.');
    return 0;
  }
  // Loaded on failure only: the explainer knows every layer's errors, which --help never needs.
  const { explainError } = await import('../commands/hints.js');
  const { kind, problem, fix, exitCode } = explainError(err);
  const stack = debug ? (err as Error)?.stack : undefined;
  if (kind === 'config') {
    ctx.out.error(problem);
    if (fix) ctx.out.error(fix);
  } else if (kind === 'unexpected') {
    ctx.out.error(`Unexpected error: ${problem}`);
    ctx.out.error(stack ? redact(stack) : fix);
  } else {
    ctx.out.error(`Error: ${problem}`);
    if (fix) ctx.out.error(fix);
    if (stack) ctx.out.error(redact(stack));
  }
  return exitCode;
}
