// A deliberately tiny Mustache subset for Telegram HTML templates:
//   {{name}}            a value, always HTML-escaped (attribute-safe)
//   {{#name}}…{{/name}} shown when name is truthy; repeated for each item of an array
//   {{^name}}…{{/name}} shown when name is falsy or an empty array
// A section tag alone on its line removes that line, so optional lines leave no gaps.
// There is no raw-HTML escape hatch: every dynamic value is escaped, always.

export type View = { [key: string]: unknown };

type Token =
  | { t: 'text'; s: string }
  | { t: 'var'; name: string }
  | { t: 'section'; name: string; inverted: boolean; children: Token[] };

export class TemplateError extends Error {}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

export function compile(source: string, name = 'template'): Token[] {
  // Standalone section lines ("   {{#x}}\n") vanish entirely.
  const src = source.replace(/^[ \t]*(\{\{[#^/][\w.]+\}\})[ \t]*\r?\n/gm, '$1');
  const root: Token[] = [];
  const stack: { name: string; children: Token[] }[] = [{ name: '', children: root }];
  const re = /\{\{\s*([#^/]?)\s*([\w.]+)\s*\}\}/g;
  let last = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const top = stack[stack.length - 1]!;
    if (m.index > last) top.children.push({ t: 'text', s: src.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, sigil, key] = m as unknown as [string, string, string];
    if (sigil === '#' || sigil === '^') {
      const section: Token = { t: 'section', name: key, inverted: sigil === '^', children: [] };
      top.children.push(section);
      stack.push({ name: key, children: section.children });
    } else if (sigil === '/') {
      if (stack.length === 1 || top.name !== key) throw new TemplateError(`${name}: unexpected {{/${key}}}`);
      stack.pop();
    } else {
      top.children.push({ t: 'var', name: key });
    }
  }
  if (stack.length > 1) throw new TemplateError(`${name}: {{#${stack[stack.length - 1]!.name}}} is never closed`);
  if (last < src.length) root.push({ t: 'text', s: src.slice(last) });
  return root;
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
  return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== false && v !== '';
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
