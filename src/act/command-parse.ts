// What a bot command says: the command list Telegram shows, and the parsing of what was typed
// (/mute's issue reference and duration, /unmute's reference). Pure.
import { messages, type Catalogue, type Locale } from '../i18n/index.js';

const COMMANDS: { command: string; description: keyof Catalogue }[] = [
  { command: 'chatid', description: 'commandChatid' },
  { command: 'status', description: 'commandStatus' },
  { command: 'mute', description: 'commandMute' },
  { command: 'unmute', description: 'commandUnmute' },
  { command: 'help', description: 'commandHelp' },
];

/** The command list Telegram shows, in `locale`. */
export function botCommands(locale: Locale = 'en'): { command: string; description: string }[] {
  const t = messages(locale);
  return COMMANDS.map((c) => ({ command: c.command, description: t[c.description] as string }));
}

export const BOT_COMMANDS = botCommands('en');

// ---- parsing ------------------------------------------------------------------------------

export interface Command {
  name: string;
  args: string[];
}

/** `/name@bot args…`; null when it is not a command, or is addressed to another bot. */
export function parseCommand(text: string | undefined, botUsername: string | null): Command | null {
  const m = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec((text ?? '').trim());
  if (!m) return null;
  const bot = botUsername?.replace(/^@/, '').toLowerCase();
  if (m[2] && bot && m[2].toLowerCase() !== bot) return null;
  return { name: m[1]!.toLowerCase(), args: (m[3] ?? '').split(/\s+/).filter(Boolean) };
}

const MINUTE_MS = 60_000;
export const MAX_MUTE_MS = 30 * 24 * 60 * MINUTE_MS;

const UNITS: { re: RegExp; ms: number; word: keyof Catalogue }[] = [
  { re: /^(m|min|mins|minutes?)$/i, ms: MINUTE_MS, word: 'unitMinutes' },
  { re: /^(h|hr|hrs|hours?)$/i, ms: 60 * MINUTE_MS, word: 'unitHours' },
  { re: /^(d|days?)$/i, ms: 24 * 60 * MINUTE_MS, word: 'unitDays' },
  { re: /^(w|weeks?)$/i, ms: 7 * 24 * 60 * MINUTE_MS, word: 'unitWeeks' },
];

/** `30m`, `2h`, `1d`, `1w` (up to 30 days), its text in `locale`; null when it is not a duration. */
export function parseDuration(raw: string, locale: Locale = 'en'): { ms: number; text: string } | null {
  const m = /^(\d{1,5})\s*([a-z]+)$/i.exec(raw.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = UNITS.find((u) => u.re.test(m[2]!));
  if (!unit || n < 1) return null;
  const ms = n * unit.ms;
  return ms <= MAX_MUTE_MS ? { ms, text: `${n} ${messages(locale)[unit.word] as string}` } : null;
}

export interface IssueRef {
  issueId: string | null;
  shortId: string | null;
  /** How answers and /status name it. */
  label: string;
}

/** A Sentry issue link (…/issues/1234/…), an issue id (1234) or a short id (FRONT-END-9). */
export function parseIssueRef(raw: string, locale: Locale = 'en'): IssueRef | null {
  const label = messages(locale).issueLabel;
  const s = raw.trim().replace(/^<|>$/g, '');
  if (/^https?:\/\//i.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      return null;
    }
    const id = /\/issues\/(\d{1,20})(?:\/|$)/.exec(url.pathname)?.[1];
    return id ? { issueId: id, shortId: null, label: label(id) } : null;
  }
  if (/^\d{1,20}$/.test(s)) return { issueId: s, shortId: null, label: label(s) };
  if (/^[A-Za-z0-9][A-Za-z0-9_.-]*-[A-Za-z0-9]+$/.test(s) && /[A-Za-z]/.test(s)) {
    const shortId = s.toUpperCase();
    return { issueId: null, shortId, label: shortId };
  }
  return null;
}

export const MUTE_USAGE = messages('en').muteUsage;
export const UNMUTE_USAGE = messages('en').unmuteUsage;

/** `/mute` arguments; `replied` is the issue of the alert the command replies to, if any. */
export function parseMute(
  args: string[],
  replied: IssueRef | null,
  locale: Locale = 'en',
): { ref: IssueRef; duration: { ms: number; text: string } } | { error: string } {
  if (args.length === 1 && replied) {
    const duration = parseDuration(args[0]!, locale);
    return duration ? { ref: replied, duration } : { error: MUTE_USAGE };
  }
  if (args.length !== 2) return { error: MUTE_USAGE };
  for (const [r, d] of [
    [args[0]!, args[1]!],
    [args[1]!, args[0]!],
  ] as const) {
    const duration = parseDuration(d, locale);
    const ref = parseIssueRef(r, locale);
    if (duration && ref) return { ref, duration };
  }
  return { error: MUTE_USAGE };
}

export function parseUnmute(args: string[], replied: IssueRef | null, locale: Locale = 'en'): IssueRef | { error: string } {
  if (args.length === 0 && replied) return replied;
  if (args.length !== 1) return { error: UNMUTE_USAGE };
  return parseIssueRef(args[0]!, locale) ?? { error: UNMUTE_USAGE };
}

// ---- answers --------------------------------------------------------------------------------

/** `2024-05-01 14:02 UTC` */
