// Telegram counts a message's length after entity parsing, in UTF-16 code units, and rejects
// anything over 4096. We never cut the HTML: we shorten the longest values in the view and
// render again, so every tag stays whole.
import { compile, renderTokens, type View } from './template.js';

export const TELEGRAM_TEXT_LIMIT = 4096;
const ELLIPSIS = '…';

/** The text Telegram will count: tags removed, the four named entities and numeric ones decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|quot|amp|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => {
      const k = e.toLowerCase();
      if (k === 'lt') return '<';
      if (k === 'gt') return '>';
      if (k === 'quot') return '"';
      if (k === 'amp') return '&';
      const code = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
      return String.fromCodePoint(code);
    });
}

/** Cuts a string to at most `units` UTF-16 code units without splitting a surrogate pair. */
export function cutUtf16(s: string, units: number): string {
  if (s.length <= units) return s;
  let end = Math.max(0, units);
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return s.slice(0, end);
}

interface Slot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  value: string;
}

/** Every string in the view that may be shortened (URLs are never cut: a cut URL is a wrong URL). */
function slots(view: unknown, keep: ReadonlySet<string>, out: Slot[] = []): Slot[] {
  if (Array.isArray(view)) {
    view.forEach((v, i) => {
      if (typeof v === 'string') out.push({ holder: view, key: i, value: v });
      else slots(v, keep, out);
    });
  } else if (view && typeof view === 'object') {
    for (const [k, v] of Object.entries(view)) {
      if (keep.has(k)) continue;
      if (typeof v === 'string') out.push({ holder: view as Record<string, unknown>, key: k, value: v });
      else slots(v, keep, out);
    }
  }
  return out;
}

/**
 * Renders `source` with `view`, shortening the longest values until the visible text fits
 * `limit`. `keep` names keys never shortened (URLs, fixed labels).
 */
export function renderToFit(
  source: string | ReturnType<typeof compile>,
  view: View,
  keep: ReadonlySet<string>,
  limit = TELEGRAM_TEXT_LIMIT,
): string {
  const tokens = typeof source === 'string' ? compile(source) : source;
  const work = structuredClone(view);
  for (let round = 0; round < 64; round++) {
    const html = renderTokens(tokens, work);
    const excess = visibleText(html).length - limit;
    if (excess <= 0) return html;
    const candidates = slots(work, keep).filter((s) => s.value.length > 1);
    if (candidates.length === 0) break;
    const longest = candidates.reduce((a, b) => (b.value.length > a.value.length ? b : a));
    // Cut just enough from the longest value (keep at least a little of it); the loop
    // handles the rare case where one value cannot absorb the whole excess.
    const target = Math.max(1, longest.value.length - excess - ELLIPSIS.length);
    const cut = cutUtf16(longest.value, target).trimEnd() + ELLIPSIS;
    (longest.holder as Record<string | number, unknown>)[longest.key] = cut.length < longest.value.length ? cut : ELLIPSIS;
  }
  // Only fixed template text is left and it is still too long: a template bug. Fall back to
  // the visible text cut to the limit, escaped, so the alert still goes out.
  const plain = cutUtf16(visibleText(renderTokens(tokens, work)), limit - 1) + ELLIPSIS;
  return plain.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}
