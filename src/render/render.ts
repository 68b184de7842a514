// Alert → Telegram message. Pure: the same alert always renders to the same message.
import type { Alert, AlertKind, Level } from '../normalise/alert.js';
import type { InlineButton } from '../telegram/types.js';
import { counted, messages, pluralWord, type Catalogue, type Locale } from '../i18n/index.js';
import type { View } from './template.js';
import { activeTemplates } from './templates.js';
import { fieldLabel } from './labels.js';
import { fieldValue, titleText } from '../i18n/phrases.js';
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

const LEVEL_LOOK: Record<Level, { emoji: string; word: keyof Catalogue }> = {
  fatal: { emoji: '🔥', word: 'levelFatal' },
  error: { emoji: '❌', word: 'levelError' },
  warning: { emoji: '⚠️', word: 'levelWarning' },
  info: { emoji: 'ℹ️', word: 'levelInfo' },
  debug: { emoji: '🐛', word: 'levelDebug' },
};
const NO_LEVEL = { emoji: '🔔', word: 'levelNone' } as const;

export function levelLook(level: Level | null, locale: Locale = 'en') {
  const look = level ? LEVEL_LOOK[level] : NO_LEVEL;
  return { emoji: look.emoji, word: messages(locale)[look.word] as string };
}

/**
 * The compiled template for NAME in LOCALE, from the route's template SET when it has one (the
 * lookup order is in templates.ts: set, SENTRY_TG_TEMPLATES override, built-in).
 */
export function template(name: AlertKind | 'digest', locale: Locale = 'en', set?: string) {
  return activeTemplates().tokens(name, locale, set);
}

/** Keys that are never shortened to fit (a cut URL is a wrong URL). */
const KEEP = new Set(['url', 'plainUrl', 'emoji', 'levelWord', 'headline', 'times', 'alertsWord']);

const HEADLINES: Record<string, keyof Catalogue> = {
  created: 'headlineCreated',
  resolved: 'headlineResolved',
  unresolved: 'headlineUnresolved',
  ignored: 'headlineArchived',
  archived: 'headlineArchived',
  assigned: 'headlineAssigned',
};
const METRIC_HEADLINES: Record<string, keyof Catalogue> = {
  critical: 'metricCritical',
  warning: 'metricWarning',
  resolved: 'metricResolved',
};

/** The headline word for an action; one sentry-tg does not know is shown as Sentry names it. */
function headlineOf(alert: Alert, t: Catalogue): string {
  const key = (alert.kind === 'metric' ? METRIC_HEADLINES[alert.action] : undefined) ?? HEADLINES[alert.action];
  return key ? (t[key] as string) : alert.action.toUpperCase().replace(/[^A-Z0-9_]+/g, ' ').trim();
}

const ISSUE_EMOJI: Record<string, string> = {
  resolved: '✅',
  ignored: '🔕',
  archived: '🔕',
  assigned: '👤',
  unresolved: '🔄',
};

function viewOf(alert: Alert, extras: RenderExtras, locale: Locale): View {
  const t = messages(locale);
  const look = levelLook(alert.level, locale);
  const headline = headlineOf(alert, t);
  let emoji = look.emoji;
  if (alert.kind === 'issue') emoji = ISSUE_EMOJI[alert.action] ?? look.emoji;
  if (alert.kind === 'metric') emoji = alert.action === 'resolved' ? '✅' : alert.action === 'warning' ? '⚠️' : '🚨';
  const counts = [
    alert.count !== undefined ? counted(locale, alert.count, t.events) : '',
    alert.userCount !== undefined ? counted(locale, alert.userCount, t.users) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    emoji,
    levelWord: look.word,
    headline,
    title: titleText(alert, locale),
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
    fields: alert.fields.map((f) => ({ label: fieldLabel(f.label, t), value: fieldValue(f, locale) })),
    // A link when Telegram takes it; otherwise the address as text to copy.
    url: linkUrl(alert.url),
    plainUrl: textOnlyUrl(alert.url),
    // `times` is the counter's word in the right plural form ("12 раз", "3 раза").
    repeat: extras.repeat ? { ...extras.repeat, times: pluralWord(locale, extras.repeat.count, t.times) } : undefined,
    status: extras.status,
  };
}

function buttonsFor(alert: Alert, extras: RenderExtras, locale: Locale): InlineButton[][] {
  if (extras.buttons) return extras.buttons;
  const url = linkUrl(alert.url);
  return url ? [[{ text: messages(locale).viewInSentry, url }]] : [];
}

/** Plain text for when Telegram refuses our HTML: links are spelled out, then cut to fit. */
export function plainFrom(html: string): string {
  const spelled = html.replace(/<a\s+href="([^"]*)"\s*>(.*?)<\/a>/gs, (_m, href: string, label: string) => `${label}: ${href}`);
  const text = visibleText(spelled);
  return text.length <= TELEGRAM_TEXT_LIMIT ? text : cutUtf16(text, TELEGRAM_TEXT_LIMIT - 1) + '…';
}

export function render(alert: Alert, extras: RenderExtras = {}, locale: Locale = 'en', templateSet?: string): Rendered {
  const html = renderToFit(template(alert.kind, locale, templateSet), viewOf(alert, extras, locale), KEEP);
  return { html, plain: plainFrom(html), buttons: buttonsFor(alert, extras, locale) };
}

export interface DigestLine {
  level: Level | null;
  title: string;
  url?: string;
}

/** Many distinct alerts for one chat in one message, when the chat's rate limit is the bottleneck. */
export function renderDigest(lines: DigestLine[], maxLines = 30, locale: Locale = 'en', templateSet?: string): Rendered {
  const shown = lines.slice(0, maxLines).map((l) => ({
    emoji: levelLook(l.level).emoji,
    // Each line gets a fair share of the message (a cut title says so); the fitter trims further if needed.
    title: l.title.length > 200 ? cutUtf16(l.title, 199).trimEnd() + '…' : l.title,
    url: linkUrl(l.url),
    plainUrl: textOnlyUrl(l.url),
  }));
  const view = {
    total: lines.length,
    alertsWord: pluralWord(locale, lines.length, messages(locale).alerts),
    lines: shown,
    more: lines.length > shown.length ? lines.length - shown.length : 0,
  };
  const html = renderToFit(template('digest', locale, templateSet), view, KEEP);
  return { html, plain: plainFrom(html), buttons: [] };
}
