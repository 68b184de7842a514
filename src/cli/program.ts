// argv → typed options. No logic lives here: each action loads settings and hands them to a
// command. Every setting flag shows its environment twin and default in --help. The flags of
// each command are typed from their definitions (@commander-js/extra-typings); the settings are
// read by key into `Loaded`, so a command never sees them as loose flags.
import { Command, Option, type OptionValues } from '@commander-js/extra-typings';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadInput, Loaded } from '../config/load.js';
import { DEFAULT_ROUTES_FILE, OPTIONS, type OptionDef, type OptionKey } from '../config/options.js';
import { VERSION } from '../version.js';
import type { Context } from '../context/context.js';

export type Run = (code: Promise<number>) => void;

function serveCli() {
  return new Command('serve')
    .description('run the receiver: POST /api/sentry-webhook → Telegram')
    .option('--tunnel', 'also open an ngrok tunnel (needs NGROK_AUTHTOKEN)');
}

function setupCli() {
  return new Command('setup')
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
    .option('--route', 'add a route for another project to the routes file, reusing the bot and Sentry registration from .env')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  sentry-tg setup                                   # ask everything (re-run: answers of the last run are the defaults)',
        '  sentry-tg setup --tunnel --mode integration       # try it out through an ngrok tunnel',
        '  sentry-tg setup --yes --mode integration --public-url https://alerts.example.com --project backend,api --no-serve',
        '  sentry-tg setup --route                           # send another project to another chat or topic',
        '  sentry-tg setup --route --yes --project web --chat-id -1001234567890 --topic-id 5 --locale ru',
      ].join('\n'),
    );
}

function testSendCli() {
  return new Command('test-send')
    .description('send a sample alert of each kind to the configured chat (or print it)')
    .option('--kind <kind>', 'error, fatal, warning, info, metric-critical, metric-warning, metric-resolved, issue-created, issue-resolved, issue-assigned, issue-archived, comment, seer, unknown', 'error')
    .option('--all', 'send one of each kind')
    .option('--dry-run', 'print the rendered message instead of sending it')
    .option('--timeout <seconds>', 'how long to wait for each delivery (default: 30)');
}

function previewCli() {
  return new Command('preview')
    .description('print what each kind of message looks like with your templates; sends nothing, needs no token')
    .option('--kind <kind>', 'event, issue, metric, comment, seer, installation, unknown, digest (default: all)')
    .option('--route <name>', 'use the locale and template set of this route (SENTRY_TG_ROUTES or ./sentry-tg.routes.yaml)')
    .addHelpText(
      'after',
      ['', 'Examples:', '  sentry-tg preview --kind issue --locale ru', '  sentry-tg preview --templates ./my-templates --route backend-team'].join('\n'),
    );
}

function doctorCli() {
  return new Command('doctor')
    .description('check the whole path: config, Telegram, Sentry, receiver, public URL')
    .option('--json', 'print machine-readable results')
    .option('--timeout <seconds>', 'bound on each network call (default: 5)');
}

type FlagsOf<F extends () => { opts(): unknown }> = ReturnType<ReturnType<F>['opts']>;
export type ServeCliFlags = FlagsOf<typeof serveCli>;
export type SetupCliFlags = FlagsOf<typeof setupCli>;
/** With the global --debug: it also prints the HTML of a dry run. */
export type TestSendCliFlags = FlagsOf<typeof testSendCli> & { debug?: true };
export type PreviewCliFlags = FlagsOf<typeof previewCli>;
export type DoctorCliFlags = FlagsOf<typeof doctorCli> & {
  /** The global --env-file. */
  envFile: string;
  /** What loading the configuration found wrong (doctor shows it as a failed check). */
  configProblems: string[];
};

export interface Commands {
  serve(ctx: Context, loaded: Loaded, flags: ServeCliFlags): Promise<number>;
  setup(ctx: Context, loaded: Loaded, flags: SetupCliFlags): Promise<number>;
  testSend(ctx: Context, loaded: Loaded, flags: TestSendCliFlags): Promise<number>;
  doctor(ctx: Context, loaded: Loaded, flags: DoctorCliFlags): Promise<number>;
  preview(ctx: Context, loaded: Loaded, flags: PreviewCliFlags): Promise<number>;
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

/** The command's own flags: the setting flags commander also parsed are read into `Loaded` instead. */
function ownFlags<F extends object>(flags: F, keys: readonly OptionKey[]): F {
  const settingNames = new Set(keys.map((k) => camel(OPTIONS[k].flag)));
  return Object.fromEntries(Object.entries(flags).filter(([name]) => !settingNames.has(name))) as F;
}

const ALL_KEYS = Object.keys(OPTIONS) as OptionKey[];
const SERVE_KEYS: OptionKey[] = [
  'telegramToken', 'chatId', 'topicId', 'webhookSecret', 'telegramApiRoot', 'port', 'host', 'dataDir', 'fsync', 'logFile',
  'bodyLimitBytes', 'sentryDsn', 'debugEndpoint', 'publicUrl', 'ngrokAuthtoken', 'allowedUsers', 'sentryAuthToken',
  'sentryOrg', 'sentryUrl', 'updates', 'replayWindowSeconds', 'locale', 'metricsAddr', 'templates', 'routes', 'databaseUrl', 'replicaId',
];
const SEND_KEYS: OptionKey[] = ['telegramToken', 'chatId', 'topicId', 'telegramApiRoot', 'dataDir', 'locale'];
const PREVIEW_KEYS: OptionKey[] = ['locale', 'templates'];

/** Adds the setting flags (read by key into `Loaded`, so left out of the command's flag type). */
function withSettings<C extends Command<[], OptionValues>>(cmd: C, keys: readonly OptionKey[], parent: Command<[], OptionValues>): C {
  // What `program.command()` would inherit: output, exitOverride, help after errors.
  cmd.copyInheritedSettings(parent);
  for (const k of keys) cmd.addOption(settingOption(k));
  return cmd;
}

export function createProgram(ctx: Context, commands: Commands, run: Run): Command<[], { envFile: string; debug?: true }> {
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

  // The loader (and dotenv) only once a command runs: --help never needs it.
  const load = async (cmd: Command<[], OptionValues>, keys: readonly OptionKey[], how: Pick<LoadInput, 'required' | 'requiredWhen' | 'tolerant'>): Promise<Loaded> => {
    const { loadSettings } = await import('../config/load.js');
    return loadSettings({
      envFile: { path: program.opts().envFile, explicit: program.getOptionValueSource('envFile') === 'cli' },
      env: ctx.env,
      flags: flagValues(cmd.opts() as Record<string, unknown>, keys),
      ...how,
    });
  };

  program.addCommand(
    withSettings(serveCli(), SERVE_KEYS, program).action((flags, cmd) => {
      // SENTRY_ALERT_CHAT_ID is optional with a routes file (named, or the default one present).
      const noRoutesFile = (s: { routes?: string | undefined }) => s.routes === undefined && !existsSync(join(ctx.cwd, DEFAULT_ROUTES_FILE));
      run(
        load(cmd, SERVE_KEYS, { required: ['telegramToken'], requiredWhen: { chatId: noRoutesFile } }).then((loaded) =>
          commands.serve(ctx, loaded, ownFlags(flags, SERVE_KEYS)),
        ),
      );
    }),
  );

  program.addCommand(
    withSettings(setupCli(), ALL_KEYS, program).action((flags, cmd) => {
      run(load(cmd, ALL_KEYS, { required: [] }).then((loaded) => commands.setup(ctx, loaded, ownFlags(flags, ALL_KEYS))));
    }),
  );

  program.addCommand(
    withSettings(testSendCli(), SEND_KEYS, program).action((flags, cmd) => {
      const { debug } = program.opts();
      const own = ownFlags(flags, SEND_KEYS);
      const all: TestSendCliFlags = debug ? { ...own, debug } : own;
      run(load(cmd, SEND_KEYS, { required: flags.dryRun ? [] : ['telegramToken', 'chatId'] }).then((loaded) => commands.testSend(ctx, loaded, all)));
    }),
  );

  program.addCommand(
    withSettings(doctorCli(), ALL_KEYS, program).action((flags, cmd) => {
      // Doctor runs on a broken configuration too: invalid values become a failed check.
      run(
        load(cmd, ALL_KEYS, { tolerant: true }).then((loaded) =>
          commands.doctor(ctx, loaded, { ...ownFlags(flags, ALL_KEYS), envFile: program.opts().envFile, configProblems: loaded.problems }),
        ),
      );
    }),
  );

  program.addCommand(
    withSettings(previewCli(), PREVIEW_KEYS, program).action((flags, cmd) => {
      run(load(cmd, PREVIEW_KEYS, { required: [] }).then((loaded) => commands.preview(ctx, loaded, ownFlags(flags, PREVIEW_KEYS))));
    }),
  );

  return program;
}
