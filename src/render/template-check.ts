// Checks a template file before the receiver starts, so a broken override is a start-up error
// with file:line instead of a refused message at 3 a.m.: its sections must close, it may use
// only the variables documented for its kind (template-vars.ts), and its HTML must be what
// Telegram accepts (the same parser the fake Telegram runs, src/render/telegram-html.ts) in
// every combination of its sections, so a tag opened in a section closes in it.
import { visibleText, TELEGRAM_TEXT_LIMIT } from './fit.js';
import { compile, lineOf, TemplateError, type Token } from './template.js';
import { CANT_PARSE_PREFIX, parseTelegramHtml, SUPPORTED_TAGS } from './telegram-html.js';
import { TEMPLATE_VARIABLES, type TemplateName } from './template-vars.js';

// What a value looks like when checking the HTML around it: a link Telegram takes for `url`,
// one it refuses for `plainUrl` (so `href="{{plainUrl}}"` is caught), plain text otherwise.
const PLACEHOLDER: Record<string, string> = {
  url: 'https://sentry.example.com/issues/1/',
  plainUrl: 'http://localhost:9000/issues/1/',
};

/** Every problem of one template file, each as `file:line: what`; empty when it is fine. */
export function checkTemplate(source: string, file: string, name: TemplateName): string[] {
  let tokens: Token[];
  try {
    tokens = compile(source, file);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return [`${file}:${lineOf(source, err.at)}: ${err.message.replace(`${file}: `, '')}`];
  }
  const problems: { at: number; text: string }[] = [];
  checkVariables(tokens, name, [], problems);
  checkHtml(tokens, null, problems);
  const entities = mostEntities(tokens, name);
  if (entities > TELEGRAM_MAX_ENTITIES) {
    problems.push({
      at: 0,
      text: `can make up to ${entities} formatting tags in one message (lists at their longest); Telegram honours ${TELEGRAM_MAX_ENTITIES}: use fewer tags inside {{#fields}} / {{#lines}}`,
    });
  }
  const fixed = visibleText(fixedText(tokens)).length;
  if (fixed > TELEGRAM_TEXT_LIMIT) {
    problems.push({ at: 0, text: `its fixed text alone is ${fixed} characters, over Telegram's ${TELEGRAM_TEXT_LIMIT}` });
  }
  return problems.sort((a, b) => a.at - b.at).map((p) => `${file}:${lineOf(source, p.at)}: ${p.text}`);
}

/** Telegram's limit of formatting entities in one message. */
export const TELEGRAM_MAX_ENTITIES = 100;

/** Tags the template can open at most, with every section shown and every list at its longest. */
function mostEntities(tokens: Token[], name: TemplateName): number {
  let n = 0;
  for (const t of tokens) {
    if (t.t === 'text') n += (t.s.match(/<[a-z]/gi) ?? []).length;
    else if (t.t === 'section') n += mostEntities(t.children, name) * (t.inverted ? 1 : (TEMPLATE_VARIABLES[name][t.name]?.most ?? 1));
  }
  return n;
}

function fixedText(tokens: Token[]): string {
  return tokens.map((t) => (t.t === 'text' ? t.s : t.t === 'section' ? fixedText(t.children) : '')).join('');
}

interface Scope {
  section: string;
  names: ReadonlySet<string>;
}

/** Where a name is defined, for the hint: `label` only inside {{#fields}}. */
function sectionDefining(name: TemplateName, key: string): string | undefined {
  return Object.entries(TEMPLATE_VARIABLES[name]).find(([, def]) => def.inside && key in def.inside)?.[0];
}

function checkVariables(tokens: Token[], name: TemplateName, scopes: Scope[], problems: { at: number; text: string }[]): void {
  const top = TEMPLATE_VARIABLES[name];
  const known = (key: string) => key in top || scopes.some((s) => s.names.has(key)) || (key === '.' && scopes.length > 0);
  for (const tok of tokens) {
    if (tok.t === 'text') continue;
    const tag = tok.t === 'var' ? `{{${tok.name}}}` : `{{${tok.inverted ? '^' : '#'}${tok.name}}}`;
    if (!known(tok.name)) {
      const inside = sectionDefining(name, tok.name);
      const dotted = tok.name.includes('.') ? tok.name.split('.') : null;
      const hint = inside
        ? `: it is defined only inside {{#${inside}}}…{{/${inside}}}`
        : dotted
          ? `: write {{#${dotted[0]}}}{{${dotted.slice(1).join('.')}}}{{/${dotted[0]}}} (no dotted names)`
          : `; ${name}.html may use: ${Object.keys(top).join(', ')} (see the README, "Templates")`;
      problems.push({ at: tok.at, text: `unknown variable ${tag}${hint}` });
    }
    if (tok.t === 'section') {
      const inside = top[tok.name]?.inside ?? {};
      checkVariables(tok.children, name, [...scopes, { section: tok.name, names: new Set(Object.keys(inside)) }], problems);
    }
  }
}

interface Segment {
  /** Start in the checked string (UTF-16 units). */
  start: number;
  end: number;
  /** Source offset of the segment's first character. */
  at: number;
  /** Text segments map character by character; a value maps to its tag. */
  text: boolean;
}

function checkHtml(tokens: Token[], section: { name: string; at: number } | null, problems: { at: number; text: string }[]): void {
  let html = '';
  const segments: Segment[] = [];
  for (const tok of tokens) {
    if (tok.t === 'section') {
      checkHtml(tok.children, { name: `${tok.inverted ? '^' : '#'}${tok.name}`, at: tok.at }, problems);
      continue;
    }
    const s = tok.t === 'text' ? tok.s : (PLACEHOLDER[tok.name] ?? 'x');
    segments.push({ start: html.length, end: html.length + s.length, at: tok.at, text: tok.t === 'text' });
    html += s;
  }
  const parsed = parseTelegramHtml(html);
  if (parsed.ok) return;
  const what = parsed.description.replace(CANT_PARSE_PREFIX, '');
  const byte = /at byte offset (\d+)/.exec(what);
  const index = byte ? charIndex(html, Number(byte[1])) : unclosedTagIndex(html);
  const seg = segments.find((s) => index >= s.start && index < s.end);
  const at = seg ? (seg.text ? seg.at + index - seg.start : seg.at) : (section?.at ?? 0);
  let text = `Telegram would refuse this HTML: ${what.replace(/ at byte offset \d+/, '')}`;
  if (/Unsupported start tag/.test(what)) text += ` (Telegram allows: ${[...SUPPORTED_TAGS].join(', ')})`;
  if (/Unescaped|entity/i.test(what)) text += ' (write &lt; &gt; &amp; for < > & in text)';
  if (section && /end tag|start tag "/.test(what)) text += ` (a tag opened in {{${section.name}}} must close before its {{/…}})`;
  problems.push({ at, text });
}

/** The UTF-16 index of a UTF-8 byte offset. */
function charIndex(s: string, bytes: number): number {
  let b = 0;
  let i = 0;
  for (const ch of s) {
    if (b >= bytes) break;
    b += Buffer.byteLength(ch, 'utf8');
    i += ch.length;
  }
  return i;
}

/** Where the tag that is never closed opens. */
function unclosedTagIndex(html: string): number {
  const open: number[] = [];
  for (const m of html.matchAll(/<(\/?)[^>]*>/g)) {
    if (m[1]) open.pop();
    else open.push(m.index);
  }
  return open.at(-1) ?? -1;
}
