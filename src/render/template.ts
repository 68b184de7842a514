// A deliberately tiny Mustache subset for Telegram HTML templates:
//   {{name}}            a value, always HTML-escaped (attribute-safe)
//   {{#name}}…{{/name}} shown when name is set (not empty, 0, false or an empty list); repeated
//                       for each item of a list, whose names are then visible inside
//   {{^name}}…{{/name}} shown when name is not set (empty, 0, false or an empty list)
// A section tag alone on its line removes that line, so optional lines leave no gaps.
// There is no raw-HTML escape hatch: every dynamic value is escaped, always.

export type View = { [key: string]: unknown };

/** `at` is the offset in the source file (before standalone lines are removed), for file:line. */
export type Token =
  | { t: 'text'; s: string; at: number }
  | { t: 'var'; name: string; at: number }
  | { t: 'section'; name: string; inverted: boolean; children: Token[]; at: number };

export class TemplateError extends Error {
  constructor(
    message: string,
    /** Offset in the source where the problem is. */
    readonly at = 0,
  ) {
    super(message);
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** 1-based line of `offset` in `source`. */
export function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

// Standalone section lines ("   {{#x}}\n") vanish entirely; `origin` maps an offset in the
// result back to the source.
function dropStandalone(source: string): { src: string; origin: (i: number) => number } {
  const cuts: { at: number; removed: number }[] = [];
  let removedSoFar = 0;
  const src = source.replace(/^([ \t]*)(\{\{[#^/][\w.]+\}\})([ \t]*\r?\n)/gm, (_m, lead: string, tag: string, tail: string, offset: number) => {
    if (lead.length) cuts.push({ at: offset - removedSoFar, removed: lead.length });
    removedSoFar += lead.length;
    cuts.push({ at: offset - removedSoFar + lead.length + tag.length, removed: tail.length });
    removedSoFar += tail.length;
    return tag;
  });
  const origin = (i: number) => {
    let o = i;
    for (const c of cuts) if (c.at <= i) o += c.removed;
    return o;
  };
  return { src, origin };
}

export function compile(source: string, name = 'template'): Token[] {
  const { src, origin } = dropStandalone(source);
  const root: Token[] = [];
  const stack: { name: string; children: Token[]; at: number }[] = [{ name: '', children: root, at: 0 }];
  const re = /\{\{\s*([#^/]?)\s*([\w.]+)\s*\}\}/g;
  let last = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const top = stack[stack.length - 1]!;
    if (m.index > last) top.children.push({ t: 'text', s: src.slice(last, m.index), at: origin(last) });
    last = m.index + m[0].length;
    const at = origin(m.index);
    const [, sigil, key] = m as unknown as [string, string, string];
    if (sigil === '#' || sigil === '^') {
      const section: Token = { t: 'section', name: key, inverted: sigil === '^', children: [], at };
      top.children.push(section);
      stack.push({ name: key, children: section.children, at });
    } else if (sigil === '/') {
      if (stack.length === 1) throw new TemplateError(`${name}: unexpected {{/${key}}}: no section is open`, at);
      if (top.name !== key) throw new TemplateError(`${name}: unexpected {{/${key}}}: {{#${top.name}}} is open here`, at);
      stack.pop();
    } else {
      top.children.push({ t: 'var', name: key, at });
    }
  }
  const open = stack[stack.length - 1]!;
  if (stack.length > 1) throw new TemplateError(`${name}: {{#${open.name}}} is never closed`, open.at);
  if (last < src.length) root.push({ t: 'text', s: src.slice(last), at: origin(last) });
  // Stray braces are almost always a typo of a tag ({{ title }, {{#url}}…{{/url}).
  const stray = /\{\{|\}\}/.exec(textOf(root));
  if (stray) throw new TemplateError(`${name}: "${stray[0]}" that is not part of a {{name}} tag`, strayAt(root));
  return root;
}

function textOf(tokens: Token[]): string {
  return tokens.map((t) => (t.t === 'text' ? t.s : t.t === 'section' ? '\0' + textOf(t.children) + '\0' : '\0')).join('');
}

function strayAt(tokens: Token[]): number {
  for (const t of tokens) {
    if (t.t === 'text') {
      const k = t.s.search(/\{\{|\}\}/);
      if (k >= 0) return t.at + k;
    } else if (t.t === 'section') {
      const k = strayAt(t.children);
      if (k >= 0) return k;
    }
  }
  return -1;
}

function lookup(stack: unknown[], name: string): unknown {
  if (name === '.') return stack[stack.length - 1];
  for (let i = stack.length - 1; i >= 0; i--) {
    const ctx = stack[i];
    if (ctx !== null && typeof ctx === 'object' && name in ctx) return (ctx as View)[name];
  }
  return undefined;
}

function truthy(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== false && v !== '' && v !== 0;
}

function run(tokens: Token[], stack: unknown[], out: string[]): void {
  for (const tok of tokens) {
    if (tok.t === 'text') out.push(tok.s);
    else if (tok.t === 'var') {
      const v = lookup(stack, tok.name);
      if (v !== undefined && v !== null) out.push(escapeHtml(String(v)));
    } else {
      const v = lookup(stack, tok.name);
      if (tok.inverted) {
        if (!truthy(v)) run(tok.children, stack, out);
      } else if (Array.isArray(v)) {
        for (const item of v) run(tok.children, [...stack, item], out);
      } else if (truthy(v)) {
        run(tok.children, typeof v === 'object' ? [...stack, v] : stack, out);
      }
    }
  }
}

export function renderTokens(tokens: Token[], view: View): string {
  const out: string[] = [];
  run(tokens, [view], out);
  // Optional lines that rendered empty must not leave a stack of blank lines behind.
  return out
    .join('')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
