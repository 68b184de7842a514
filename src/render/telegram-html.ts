// Shared by the fake Telegram (test/fakes/telegram-html.ts) and the template checker.
// Telegram's HTML parse mode as a pure function, for the fake Bot API.
//
// The scanner follows tdlib's parse_html (td/telegram/MessageEntity.cpp), which is what the
// Bot API runs: the same tags, the same attribute grammar, the same error texts and the same
// byte offsets (UTF-8 bytes of the raw input). Entity offsets and lengths are UTF-16 code units
// of the parsed text, as the Bot API reports them.
//
// Two modes:
// - strict (default): also rejects input that Telegram accepts but silently mangles, because
//   each of those is an escaping bug in the sender:
//     `&` that does not start `&lt; &gt; &amp; &quot; &#NN; &#xHH;` (Telegram keeps it literally,
//       so `&nbsp;` shows up as "&nbsp;" and `?a=1&lt=2` turns into `?a=1<=2`),
//     an entity without its `;` (Telegram decodes `&lt` too),
//     a bare `>` (Telegram keeps it; our renderer promises to escape it),
//     `<a>` without `href` (Telegram then uses the link text as the URL),
//     an `href` that is not a URL Telegram accepts (Telegram drops the link, keeps the text).
//   Their error texts are this fake's own; they still start with "can't parse entities".
// - lenient (`{ strict: false }`): tdlib's behaviour as far as we know it.
//
// Not modelled: tdlib's later clean-up of entities (nested code, whitespace-only entities,
// text_mention for tg://user links) and URL normalisation of text_link.

export type EntityType =
  | 'bold'
  | 'italic'
  | 'underline'
  | 'strikethrough'
  | 'spoiler'
  | 'code'
  | 'pre'
  | 'text_link'
  | 'blockquote'
  | 'expandable_blockquote'
  | 'custom_emoji';

/** A MessageEntity as the Bot API returns it. Offsets and lengths in UTF-16 code units. */
export interface Entity {
  type: EntityType;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export type ParseResult = { ok: true; text: string; entities: Entity[] } | { ok: false; description: string };

export interface ParseOptions {
  /** Reject what Telegram accepts but mangles (see the top of this file). Default true. */
  strict?: boolean;
}

/** Length as Telegram counts it: UTF-16 code units, which is what a JS string's length is. */
export function utf16Length(s: string): number {
  return s.length;
}

export const CANT_PARSE_PREFIX = "Bad Request: can't parse entities: ";

/** The tags Telegram knows; any other is refused. */
export const SUPPORTED_TAGS: ReadonlySet<string> = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'span',
  'pre',
  'code',
  'blockquote',
]);

const SIMPLE_TAG_TYPES: Record<string, EntityType> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
};

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

class HtmlError extends Error {}

interface OpenTag {
  name: string;
  /** href, code language, span class suffix, emoji id, or "1" for expandable. */
  argument: string;
  textOffset: number;
  /** Index of `<` in the input, for error offsets. */
  begin: number;
}

export function parseTelegramHtml(html: string, options: ParseOptions = {}): ParseResult {
  try {
    return { ok: true, ...new HtmlParser(html, options.strict ?? true).parse() };
  } catch (err) {
    if (err instanceof HtmlError) return { ok: false, description: CANT_PARSE_PREFIX + err.message };
    throw err;
  }
}

/**
 * tdlib's LinkManager::check_link for http(s): a host with a dot or an IPv6 literal (so
 * `http://localhost:9000` and `http://sentry:9000` are refused: "Wrong HTTP URL"), a port from
 * 1 to 65535, no user info, no spaces.
 */
export function isAcceptedHttpUrl(url: string): boolean {
  const m = /^https?:\/\/([^\s/?#]+)\S*$/i.exec(url);
  const hostPort = m && !m[1]!.includes('@') ? /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(m[1]!) : null;
  if (!hostPort) return false;
  const [, host, port] = hostPort as unknown as [string, string, string | undefined];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  return host.startsWith('[') || host.includes('.');
}

/** URLs tdlib keeps as text_link: http(s), tg, ton, or a bare host name (tdlib adds http://). */
export function isAcceptedLinkUrl(url: string): boolean {
  if (/^https?:\/\//i.test(url)) return isAcceptedHttpUrl(url);
  if (/^(tg|ton):/i.test(url)) return url.length > 4 && !/\s/.test(url);
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[^:]+:\d/.test(url)) return false;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?([/?#]\S*)?$/i.test(url);
}

// tdlib's is_space, where the terminating NUL of a C string also counts.
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v' || c === '\0';
}

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}

class HtmlParser {
  private i = 0;
  private text = '';
  private readonly entities: Entity[] = [];
  private readonly open: OpenTag[] = [];

  constructor(
    private readonly html: string,
    private readonly strict: boolean,
  ) {}

  parse(): { text: string; entities: Entity[] } {
    const { html } = this;
    while (this.i < html.length) {
      const c = html[this.i]!;
      if (c === '&') {
        const decoded = this.decodeEntity(this.i);
        if (decoded) {
          this.text += decoded.char;
          this.i = decoded.end;
        } else {
          this.text += c;
          this.i++;
        }
      } else if (c === '<') {
        if (this.at(this.i + 1) === '/') this.endTag();
        else this.startTag();
      } else {
        if (c === '>' && this.strict) throw this.error('Unescaped ">"', this.i);
        this.text += c;
        this.i++;
      }
    }
    const unclosed = this.open.at(-1);
    if (unclosed) throw new HtmlError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
    for (const e of this.entities) if (e.type === 'code') delete e.language;
    // The Bot API lists entities by offset, an enclosing entity before the ones it contains.
    const entities = this.entities
      .map((e, order) => ({ e, order }))
      .sort((a, b) => a.e.offset - b.e.offset || b.e.length - a.e.length || b.order - a.order)
      .map(({ e }) => e);
    return { text: this.text, entities };
  }

  private at(k: number): string {
    return k < this.html.length ? this.html[k]! : '\0';
  }

  private byteOffset(k: number): number {
    return Buffer.byteLength(this.html.slice(0, k), 'utf8');
  }

  private error(what: string, k: number, suffix = ''): HtmlError {
    return new HtmlError(`${what} at byte offset ${this.byteOffset(k)}${suffix}`);
  }

  /** tdlib's decode_html_entity; null when `&` starts no entity (strict mode throws instead). */
  private decodeEntity(pos: number): { char: string; end: number } | null {
    const { html } = this;
    let end = pos + 1;
    let code = 0;
    let name = '';
    if (this.at(pos + 1) === '#') {
      end++;
      const hex = this.at(pos + 2) === 'x';
      if (hex) end++;
      const digit = hex ? /^[0-9a-fA-F]$/ : /^[0-9]$/;
      let tooBig = false;
      while (digit.test(this.at(end))) {
        code = code * (hex ? 16 : 10) + parseInt(html[end]!, 16);
        end++;
        if (code >= 0x10ffff) tooBig = true;
      }
      if (tooBig || code === 0 || (code >= 0xd800 && code <= 0xdfff)) {
        if (this.strict) throw this.error(`Invalid character reference "${html.slice(pos, end + 1)}"`, pos);
        return null;
      }
    } else {
      while (/^[A-Za-z]$/.test(this.at(end))) end++;
      name = html.slice(pos + 1, end);
      const char = NAMED_ENTITIES[name];
      if (char === undefined) {
        if (!this.strict) return null;
        if (name === '') throw this.error('Unescaped "&"', pos);
        throw this.error(`Unknown entity "${name}"`, pos);
      }
      code = char.codePointAt(0)!;
    }
    if (this.at(end) === ';') {
      end++;
    } else if (this.strict) {
      throw this.error(`Entity "${html.slice(pos, end)}" is not terminated by ";"`, pos);
    }
    return { char: String.fromCodePoint(code), end };
  }

  private startTag(): void {
    const { html } = this;
    const begin = this.i;
    let i = begin + 1;
    while (!isSpace(this.at(i)) && this.at(i) !== '>') i++;
    if (i >= html.length) throw this.error('Unclosed start tag', begin);
    const name = html.slice(begin + 1, i).toLowerCase();
    if (!SUPPORTED_TAGS.has(name)) throw this.error(`Unsupported start tag "${name}"`, begin);

    let argument = '';
    while (this.at(i) !== '>') {
      while (i < html.length && isSpace(this.at(i))) i++;
      if (this.at(i) === '>') break;
      const attrBegin = i;
      while (!isSpace(this.at(i)) && this.at(i) !== '=' && this.at(i) !== '>') i++;
      const attrName = html.slice(attrBegin, i);
      if (attrName === '') throw this.error(`Empty attribute name in the tag "${name}"`, begin);
      while (i < html.length && isSpace(this.at(i))) i++;
      if (this.at(i) !== '=') {
        if (name === 'blockquote' && attrName === 'expandable') {
          argument = '1';
          continue;
        }
        if (i >= html.length) throw this.error(`Unclosed start tag "${name}"`, begin);
        throw this.error(`Expected equal sign in declaration of an attribute of the tag "${name}"`, begin);
      }
      i++;
      while (i < html.length && isSpace(this.at(i))) i++;
      if (i >= html.length) throw this.error(`Unclosed start tag "${name}"`, begin);

      let value = '';
      const quote = this.at(i);
      if (quote !== '"' && quote !== "'") {
        // An unquoted name token: letters, digits, periods, hyphens; case-insensitive.
        const tokenBegin = i;
        while (isAlnum(this.at(i)) || this.at(i) === '.' || this.at(i) === '-') i++;
        value = html.slice(tokenBegin, i).toLowerCase();
        if (!isSpace(this.at(i)) && this.at(i) !== '>') {
          throw this.error('Unexpected end of name token', tokenBegin);
        }
      } else {
        i++;
        while (i < html.length && this.at(i) !== quote) {
          if (this.at(i) === '&') {
            const decoded = this.decodeEntity(i);
            if (decoded) {
              value += decoded.char;
              i = decoded.end;
              continue;
            }
          }
          value += html[i];
          i++;
        }
        if (this.at(i) === quote) i++;
      }
      if (i >= html.length) throw this.error('Unclosed start tag', begin);

      if (name === 'a' && attrName === 'href') {
        argument = value;
      } else if (name === 'code' && attrName === 'class' && value.startsWith('language-')) {
        argument = value.slice('language-'.length);
      } else if (name === 'span' && attrName === 'class' && value.startsWith('tg-')) {
        argument = value.slice('tg-'.length);
      } else if (name === 'tg-emoji' && attrName === 'emoji-id') {
        argument = value;
      }
    }

    if (name === 'span' && argument !== 'spoiler') {
      throw this.error('Tag "span" must have class "tg-spoiler"', begin);
    }
    if (name === 'a' && this.strict && argument === '') {
      throw this.error('Tag "a" must have a non-empty attribute "href"', begin);
    }
    this.open.push({ name, argument, textOffset: this.text.length, begin });
    this.i = i + 1;
  }

  private endTag(): void {
    const { html } = this;
    const begin = this.i;
    if (this.open.length === 0) throw this.error('Unexpected end tag', begin);
    let i = begin + 1;
    while (!isSpace(this.at(i)) && this.at(i) !== '>') i++;
    const endName = html.slice(begin + 2, i);
    while (i < html.length && isSpace(this.at(i))) i++;
    if (this.at(i) !== '>') throw this.error('Unclosed end tag', begin);
    const tag = this.open.at(-1)!;
    // `</>` closes whatever is open, as in tdlib.
    if (endName !== '' && endName !== tag.name) {
      throw this.error('Unmatched end tag', begin, `, expected "</${tag.name}>", found "</${endName}>"`);
    }
    this.closeEntity(tag);
    this.open.pop();
    this.i = i + 1;
  }

  private closeEntity(tag: OpenTag): void {
    if (tag.name === 'tg-emoji' && !/^-?\d{1,19}$/.test(tag.argument)) {
      throw new HtmlError('Invalid custom emoji identifier specified');
    }
    const offset = tag.textOffset;
    const length = this.text.length - offset;
    if (length <= 0) return;
    const last = this.entities.at(-1);
    const sameSpan = last !== undefined && last.offset === offset && last.length === length;
    const simple = SIMPLE_TAG_TYPES[tag.name];
    if (simple) {
      this.entities.push({ type: simple, offset, length });
    } else if (tag.name === 'blockquote') {
      this.entities.push({ type: tag.argument ? 'expandable_blockquote' : 'blockquote', offset, length });
    } else if (tag.name === 'tg-emoji') {
      this.entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: tag.argument });
    } else if (tag.name === 'a') {
      const url = tag.argument || this.text.slice(offset);
      if (isAcceptedLinkUrl(url)) {
        this.entities.push({ type: 'text_link', offset, length, url });
      } else if (this.strict) {
        throw this.error(`Invalid URL "${url}" in tag "a"`, tag.begin);
      }
    } else if (tag.name === 'pre') {
      // <code class="language-x"><pre>…</pre></code> and <pre><code class="language-x">…</code></pre>
      // both make one pre entity with a language.
      if (sameSpan && last.type === 'code' && last.language) {
        last.type = 'pre';
      } else {
        this.entities.push({ type: 'pre', offset, length });
      }
    } else if (tag.name === 'code') {
      if (sameSpan && last.type === 'pre' && tag.argument) {
        last.language = tag.argument;
      } else {
        const entity: Entity = { type: 'code', offset, length };
        // Kept only so a same-span <pre> closing next can take it; parse() strips the rest.
        if (tag.argument) entity.language = tag.argument;
        this.entities.push(entity);
      }
    }
  }
}
