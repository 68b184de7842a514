// argv → typed options. No logic lives here: each action loads settings and hands them to a
// command. Every setting flag shows its environment twin and default in --help.
import { Command, Option } from 'commander';
import { loadSettings, type Loaded } from '../config/load.js';
import { OPTIONS, type OptionDef, type OptionKey } from '../config/options.js';
import { VERSION } from '../version.js';
import type { Context } from './context.js';

export type Run = (code: Promise<number>) => void;

export interface Commands {
  serve(ctx: Context, loaded: Loaded, flags: { tunnel?: boolean }): Promise<number>;
  setup(ctx: Context, loaded: Loaded, flags: Record<string, unknown>): Promise<number>;
  testSend(ctx: Context, loaded: Loaded, flags: Record<string, unknown>): Promise<number>;
  doctor(ctx: Context, loaded: Loaded, flags: Record<string, unknown>): Promise<number>;
}

function settingOption(key: OptionKey): Option {
  const def: OptionDef<unknown> = OPTIONS[key];
  const extra = [`env: ${def.env}`, def.defaultText ? `default: ${def.defaultText}` : ''].filter(Boolean).join(', ');
  return new Option(`--${def.flag} ${def.arg}`, `${def.description} (${extra})`);
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Reads the setting flags commander parsed back into option keys. */
function flagValues(opts: Record<string, unknown>, keys: readonly OptionKey[]): Partial<Record<OptionKey, string>> {
  const out: Partial<Record<OptionKey, string>> = {};
  for (const key of keys) {
    const v = opts[camel(OPTIONS[key].flag)];
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

const ALL_KEYS = Object.keys(OPTIONS) as OptionKey[];
const SERVE_KEYS: OptionKey[] = [
  'telegramToken', 'chatId', 'topicId', 'webhookSecret', 'telegramApiRoot', 'port', 'host', 'dataDir', 'fsync', 'logFile',
  'bodyLimitBytes', 'sentryDsn', 'debugEndpoint', 'publicUrl', 'ngrokAuthtoken', 'allowedUsers', 'sentryAuthToken',
  'sentryOrg', 'sentryUrl', 'updates', 'replayWindowSeconds',
];
const SEND_KEYS: OptionKey[] = ['telegramToken', 'chatId', 'topicId', 'telegramApiRoot', 'dataDir'];

export function createProgram(ctx: Context, commands: Commands, run: Run): Command {
  const program = new Command('sentry-tg')
    .description('Sentry alerts in Telegram: a setup wizard and a durable webhook receiver.')
    .version(VERSION, '-v, --version')
    .option('--env-file <path>', 'read settings from this file', '.env')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();

  const load = (cmd: Command, keys: readonly OptionKey[], required: OptionKey[]): Loaded => {
    const global = program.opts<{ envFile: string }>();
    const explicit = program.getOptionValueSource('envFile') === 'cli';
    return loadSettings({
      envFile: { path: global.envFile, explicit },
      env: ctx.env,
      flags: flagValues(cmd.opts(), keys),
      required,
    });
  };

  const serve = program
    .command('serve')
    .description('run the receiver: POST /api/sentry-webhook → Telegram')
    .option('--tunnel', 'also open an ngrok tunnel (needs NGROK_AUTHTOKEN)');
  for (const k of SERVE_KEYS) serve.addOption(settingOption(k));
  serve.action((_o, cmd: Command) => {
    run(Promise.resolve().then(() => commands.serve(ctx, load(cmd, SERVE_KEYS, ['telegramToken', 'chatId']), cmd.opts())));
  });

  const setup = program
    .command('setup')
    .description('interactive wizard: Telegram bot, chat, Sentry, public URL, .env, first alert')
    .option('--tunnel', 'open an ngrok tunnel for the public URL')
    .option('--no-tunnel', 'do not open a tunnel')
    .option('--frequency-rule', 'also alert when an issue is seen more than 10 times in 1 minute')
    .option('--no-frequency-rule', 'alert only on new and regressed issues (changes an earlier sentry-tg rule in place)')
    .option('--non-interactive', 'never ask: take answers from flags and the environment')
    .option('-y, --yes', 'same as --non-interactive')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--no-serve', 'exit after the test alert instead of serving')
    .option('--send-test', 'send the confirmation and the test alert even when nothing changed')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  sentry-tg setup                                   # ask everything (re-run: answers of the last run are the defaults)',
        '  sentry-tg setup --tunnel --mode integration       # try it out through an ngrok tunnel',
        '  sentry-tg setup --yes --mode integration --public-url https://alerts.example.com --project backend,api --no-serve',
      ].join('\n'),
    );
  for (const k of ALL_KEYS) setup.addOption(settingOption(k));
  setup.action((_o, cmd: Command) => {
    run(Promise.resolve().then(() => commands.setup(ctx, load(cmd, ALL_KEYS, []), cmd.opts())));
  });

  const testSend = program
    .command('test-send')
    .description('send a sample alert of each kind to the configured chat (or print it)')
    .option('--kind <kind>', 'error, fatal, warning, info, metric-critical, metric-warning, metric-resolved, issue-created, issue-resolved, issue-assigned, issue-archived, comment, seer, unknown', 'error')
    .option('--all', 'send one of each kind')
    .option('--dry-run', 'print the rendered message instead of sending it')
    .option('--timeout <seconds>', 'how long to wait for each delivery (default: 30)');
  for (const k of SEND_KEYS) testSend.addOption(settingOption(k));
  testSend.action((_o, cmd: Command) => {
    // With the globals: --debug also prints the HTML of a dry run.
    const opts = cmd.optsWithGlobals<{ dryRun?: boolean }>();
    run(Promise.resolve().then(() => commands.testSend(ctx, load(cmd, SEND_KEYS, opts.dryRun ? [] : ['telegramToken', 'chatId']), opts)));
  });

  const doctor = program
    .command('doctor')
    .description('check the whole path: config, Telegram, Sentry, receiver, public URL')
    .option('--json', 'print machine-readable results')
    .option('--timeout <seconds>', 'bound on each network call (default: 5)');
  for (const k of ALL_KEYS) doctor.addOption(settingOption(k));
  doctor.action((_o, cmd: Command) => {
    // Doctor runs on a broken configuration too: invalid values become a failed check.
    run(
      Promise.resolve().then(() => {
        const global = program.opts<{ envFile: string }>();
        const loaded = loadSettings({
          envFile: { path: global.envFile, explicit: program.getOptionValueSource('envFile') === 'cli' },
          env: ctx.env,
          flags: flagValues(cmd.opts(), ALL_KEYS),
          tolerant: true,
        });
        return commands.doctor(ctx, loaded, { ...cmd.opts(), envFile: global.envFile, configProblems: loaded.problems });
      }),
    );
  });

  return program;
}
