// Checks that run before the first question: the answers a non-interactive run needs are all
// there (every missing one is listed at once), the flags agree, the env file can be written and
// the receiver's port is free. Nothing here touches the network.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { OPTIONS, type OptionKey } from '../../config/options.js';
import { UserError } from '../../errors.js';
import { flagAndEnv, MODES, type Mode, type Session } from './session.js';

export type PublicKind = 'tunnel' | 'url' | 'none';

/** The public URL choice the flags and settings already make, if any. */
export function publicKindFromSettings(s: Session): PublicKind | undefined {
  if (s.flags.tunnel === true) return 'tunnel';
  if (s.settings.publicUrl) return 'url';
  if (s.flags.tunnel === false) return 'none';
  return undefined;
}

export function modeFromFlags(s: Session): Mode | undefined {
  // A flag wins; otherwise the mode the last run saved (SENTRY_TG_MODE).
  return (s.flags.mode as Mode | undefined) ?? s.settings.mode;
}

/** Checks what can be checked before any question; answers the port it reserved, if any. */
export async function preflight(s: Session): Promise<{ port?: number }> {
  const problems: string[] = [];
  if (s.flags.mode !== undefined && !MODES.includes(s.flags.mode as Mode)) {
    problems.push(`--mode must be "plugin" or "integration", not "${s.flags.mode}"`);
  }
  if (s.flags.tunnel === true && s.sources.publicUrl === 'flag') {
    problems.push('pass either --tunnel or --public-url, not both');
  }
  if (problems.length > 0) throw new UserError(problems.join('; '), 'See `sentry-tg setup --help`.');

  if (!s.interactive) {
    const missing = missingForNonInteractive(s);
    if (missing.length > 0) {
      const why = s.ctx.interactive ? s.t('setup.missing.yes') : s.t('setup.missing.noTty');
      throw new UserError(s.t('setup.missing', { why, list: missing.map((m) => `  - ${m}`).join('\n') }), s.t('setup.missing.fix'));
    }
  }

  await checkEnvFileWritable(s.envPath);

  // A free port only matters when the receiver will run (not for --dry-run or without a URL).
  const kind = publicKindFromSettings(s);
  if (!s.dryRun && (kind === 'tunnel' || kind === 'url')) return { port: await reservePort(s) };
  return {};
}

function need(key: OptionKey, why?: string): string {
  return `${flagAndEnv(key)}: ${why ?? OPTIONS[key].description}`;
}

export function missingForNonInteractive(s: Session): string[] {
  const missing: string[] = [];
  const st = s.settings;
  if (!st.telegramToken) missing.push(need('telegramToken'));
  if (!st.chatId) missing.push(need('chatId', 'the chat for alerts (send /start to the bot and run setup in a terminal to find it)'));
  if (!st.sentryAuthToken) missing.push(need('sentryAuthToken'));
  if (!st.sentryOrg) missing.push(need('sentryOrg'));
  if (!st.sentryProject) missing.push(need('sentryProject'));
  if (modeFromFlags(s) === undefined) missing.push('--mode plugin|integration (SENTRY_TG_MODE): how Sentry calls the receiver (legacy WebHooks plugin or internal integration)');
  const kind = publicKindFromSettings(s);
  if (kind === undefined) {
    missing.push(`${flagAndEnv('publicUrl')} or --tunnel (or --no-tunnel to skip): where Sentry reaches the receiver`);
  } else if (kind === 'tunnel' && !st.ngrokAuthtoken) {
    missing.push(need('ngrokAuthtoken', 'needed for --tunnel (free at dashboard.ngrok.com)'));
  }
  return missing;
}

async function checkEnvFileWritable(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error('not a directory');
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new UserError(`Cannot write the env file in ${dir}: ${(err as Error).message}.`, 'Pass --env-file with a path in a writable directory.');
  }
  try {
    await access(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserError(`Cannot read and write ${path}: ${(err as Error).message}.`, 'Fix its permissions or pass --env-file.');
    }
  }
}

/**
 * Makes sure the receiver can listen on HOST:PORT. Port 0 (any) becomes a concrete free port
 * now, because the tunnel and the registered URL must point at it before the receiver starts.
 */
export async function reservePort(s: Session): Promise<number> {
  const { host } = s.settings;
  const wanted = s.settings.port;
  const port = await new Promise<number>((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(wanted, host, () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : wanted;
      server.close(() => ok(got));
    });
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      throw new UserError(
        `Port ${wanted} on ${host} is already in use.`,
        'Stop the other program (an earlier `sentry-tg serve`?) or pass --port with a free port.',
      );
    }
    throw new UserError(`Cannot listen on ${host}:${wanted}: ${err.message}.`, 'Check --host and --port.');
  });
  return port;
}
