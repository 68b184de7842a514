// Alert → Telegram message. Pure: the same alert always renders to the same message.
import { readFileSync } from 'node:fs';
import type { Alert, AlertKind, Level } from '../normalise/alert.js';
import type { InlineButton } from '../telegram/types.js';
import { compile, type View } from './template.js';
import { cutUtf16, renderToFit, TELEGRAM_TEXT_LIMIT, visibleText } from './fit.js';
import { linkUrl, textOnlyUrl } from './link.js';

export interface Rendered {
  /** Telegram HTML, within 4096 visible UTF-16 units. */
  html: string;
  /** The same message without markup (the link spelled out), for the plain-text fallback. */
  plain: string;
  buttons: InlineButton[][];
}

/** State that is not in the alert itself: repeats collapsed into this message, actions taken. */
export interface RenderExtras {
  repeat?: { count: number; lastSeen: string };
  status?: string;
  buttons?: InlineButton[][];
}

const LEVEL_LOOK: Record<Level, { emoji: string; word: string }> = {
  fatal: { emoji: '🔥', word: 'FATAL' },
  error: { emoji: '❌', word: 'ERROR' },
  warning: { emoji: '⚠️', word: 'WARNING' },
  info: { emoji: 'ℹ️', word: 'INFO' },
  debug: { emoji: '🐛', word: 'DEBUG' },
};
const NO_LEVEL = { emoji: '🔔', word: 'ALERT' };

export function levelLook(level: Level | null) {
  return level ? LEVEL_LOOK[level] : NO_LEVEL;
}

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);
const cache = new Map<string, ReturnType<typeof compile>>();

export function template(name: AlertKind | 'digest') {
  let tokens = cache.get(name);
  if (!tokens) {
    tokens = compile(readFileSync(new URL(`${name}.html`, TEMPLATE_DIR), 'utf8'), `${name}.html`);
    cache.set(name, tokens);
  }
  return tokens;
}

/** Keys that are never shortened to fit (a cut URL is a wrong URL). */
const KEEP = new Set(['url', 'plainUrl', 'emoji', 'levelWord', 'headline']);

const HEADLINES: Record<string, string> = {
  created: 'CREATED',
  resolved: 'RESOLVED',
  unresolved: 'UNRESOLVED',
  ignored: 'ARCHIVED',
  archived: 'ARCHIVED',
  assigned: 'ASSIGNED',
  critical: 'CRITICAL',
  warning: 'WARNING',
};

const ISSUE_EMOJI: Record<string, string> = {
  resolved: '✅',
  ignored: '🔕',
  archived: '🔕',
  assigned: '👤',
  unresolved: '🔄',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function viewOf(alert: Alert, extras: RenderExtras): View {
  const look = levelLook(alert.level);
  const headline = HEADLINES[alert.action] ?? alert.action.toUpperCase().replace(/[^A-Z0-9_]+/g, ' ').trim();
  let emoji = look.emoji;
  if (alert.kind === 'issue') emoji = ISSUE_EMOJI[alert.action] ?? look.emoji;
  if (alert.kind === 'metric') emoji = alert.action === 'resolved' ? '✅' : alert.action === 'warning' ? '⚠️' : '🚨';
  const counts = [
    alert.count !== undefined ? plural(alert.count, 'event') : '',
    alert.userCount !== undefined ? plural(alert.userCount, 'user') : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    emoji,
    levelWord: look.word,
    headline,
    title: alert.title,
    text: alert.text,
    location: alert.location,
    project: alert.project,
    environment: alert.environment,
    release: alert.release,
    rule: alert.rule,
    shortId: alert.shortId,
    issueId: alert.issueId,
    actor: alert.actor,
    assignee: alert.assignee,
    counts,
    fields: alert.fields.map((f) => ({ ...f })),
    // A link when Telegram takes it; otherwise the address as text to copy.
    url: linkUrl(alert.url),
    plainUrl: textOnlyUrl(alert.url),
    repeat: extras.repeat,
    status: extras.status,
  };
}

function buttonsFor(alert: Alert, extras: RenderExtras): InlineButton[][] {
  if (extras.buttons) return extras.buttons;
  const url = linkUrl(alert.url);
  return url ? [[{ text: 'View in Sentry', url }]] : [];
}

/** Plain text for when Telegram refuses our HTML: links are spelled out, then cut to fit. */
export function plainFrom(html: string): string {
  const spelled = html.replace(/<a\s+href="([^"]*)"\s*>(.*?)<\/a>/gs, (_m, href: string, label: string) => `${label}: ${href}`);
  const text = visibleText(spelled);
  return text.length <= TELEGRAM_TEXT_LIMIT ? text : cutUtf16(text, TELEGRAM_TEXT_LIMIT - 1) + '…';
}

export function render(alert: Alert, extras: RenderExtras = {}): Rendered {
  const html = renderToFit(template(alert.kind), viewOf(alert, extras), KEEP);
  return { html, plain: plainFrom(html), buttons: buttonsFor(alert, extras) };
}

export interface DigestLine {
  level: Level | null;
  title: string;
  url?: string;
}

/** Many distinct alerts for one chat in one message, when the chat's rate limit is the bottleneck. */
export function renderDigest(lines: DigestLine[], maxLines = 30): Rendered {
  const shown = lines.slice(0, maxLines).map((l) => ({
    emoji: levelLook(l.level).emoji,
    // Each line gets a fair share of the message; the fitter trims further if needed.
    title: cutUtf16(l.title, 200),
    url: linkUrl(l.url),
    plainUrl: textOnlyUrl(l.url),
  }));
  const view = { total: lines.length, lines: shown, more: lines.length > shown.length ? lines.length - shown.length : 0 };
  const html = renderToFit(template('digest'), view, KEEP);
  return { html, plain: plainFrom(html), buttons: [] };
}
