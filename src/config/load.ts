// .env file < environment variables < flags. Every problem is collected and reported at once.
import { readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from '../errors.js';
import { OPTIONS, type OptionDef, type OptionKey, type Settings } from './options.js';

export interface LoadInput {
  /** Path to the .env file; `explicit` means the user named it, so it must exist. */
  envFile: { path: string; explicit: boolean };
  env: NodeJS.ProcessEnv;
  /** Raw flag values by option key (undefined = flag not given). */
  flags: Partial<Record<OptionKey, string>>;
  /** Options this command cannot run without. */
  required?: OptionKey[];
  /** Options required only when the test says so, given the settings read (e.g. no routes file). */
  requiredWhen?: Partial<Record<OptionKey, (settings: Settings) => boolean>>;
  /**
   * Report problems instead of throwing: an invalid value falls back to its default (doctor
   * runs on a broken configuration and shows the problems as a failed check).
   */
  tolerant?: boolean;
}

export interface Loaded {
  settings: Settings;
  /** Which source each set option came from, for doctor and setup summaries. */
  sources: Partial<Record<OptionKey, 'file' | 'env' | 'flag' | 'default'>>;
  envFileFound: boolean;
  /** The env file read, as the user named it (`explicit`) or the default `.env`. */
  envFile: { path: string; explicit: boolean };
  /** Every problem found; empty unless `tolerant` (otherwise they are thrown). */
  problems: string[];
}

export function readEnvFile(path: string): Record<string, string> | null {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError([`cannot read ${path}: ${(err as Error).message}`]);
  }
  return parseDotenv(content);
}

export function loadSettings(input: LoadInput): Loaded {
  const problems: string[] = [];
  let file: Record<string, string> | null = null;
  try {
    file = readEnvFile(input.envFile.path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (file === null && input.envFile.explicit && problems.length === 0) {
    problems.push(`env file ${input.envFile.path} does not exist`);
  }
  const settings: Record<string, unknown> = {};
  const sources: Loaded['sources'] = {};

  for (const [key, def] of Object.entries(OPTIONS) as [OptionKey, OptionDef<unknown>][]) {
    const fromFlag = input.flags[key];
    const fromEnv = input.env[def.env];
    const fromFile = file?.[def.env];
    const [raw, source, where] =
      fromFlag !== undefined
        ? [fromFlag, 'flag' as const, `--${def.flag}`]
        : fromEnv !== undefined && fromEnv !== ''
          ? [fromEnv, 'env' as const, def.env]
          : fromFile !== undefined && fromFile !== ''
            ? [fromFile, 'file' as const, `${def.env} in ${input.envFile.path}`]
            : [undefined, 'default' as const, ''];
    if (raw === undefined) {
      if (def.fallbackFrom) {
        settings[key] = def.fallbackFrom(input.env);
        sources[key] = 'default';
      } else if (def.fallback !== undefined) {
        settings[key] = def.fallback;
        sources[key] = 'default';
      }
      continue;
    }
    const parsed = def.parse(raw);
    if ('error' in parsed) {
      // Never echo a secret's value back, even when it is malformed.
      problems.push(`${where} ${def.secret ? redactedReason(parsed.error) : parsed.error}`);
      if (input.tolerant && def.fallback !== undefined) {
        settings[key] = def.fallback;
        sources[key] = 'default';
      }
      continue;
    }
    if (parsed.value !== undefined) {
      settings[key] = parsed.value;
      sources[key] = source;
    }
  }

  const conditional = Object.entries(input.requiredWhen ?? {}) as [OptionKey, (s: Settings) => boolean][];
  const required = [...(input.required ?? []), ...conditional.filter(([, when]) => when(settings as Settings)).map(([k]) => k)];
  for (const key of required) {
    if (settings[key] === undefined && !problems.some((p) => p.includes(OPTIONS[key].env))) {
      const def = OPTIONS[key];
      problems.push(`${def.env} is not set (or pass --${def.flag}): ${def.description}`);
    }
  }
  if (problems.length && !input.tolerant) throw new ConfigError(problems);
  return { settings: settings as Settings, sources, envFileFound: file !== null, envFile: input.envFile, problems };
}

function redactedReason(reason: string): string {
  return reason.replace(/"[^"]*"/g, '(hidden)');
}
