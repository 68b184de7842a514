import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/normalise/alert.js';
import { render, renderDigest } from '../../src/render/render.js';
import { compile, escapeHtml, renderTokens } from '../../src/render/template.js';
import { cutUtf16, renderToFit, visibleText } from '../../src/render/fit.js';
import { linkUrl, textOnlyUrl } from '../../src/render/link.js';
import { actionKeyboard } from '../../src/render/keyboard.js';
import { isAcceptedHttpUrl, parseTelegramHtml } from '../fakes/telegram-html.js';

function alert(over: Partial<Alert> = {}): Alert {
  return {
    kind: 'event',
    source: 'integration',
    resource: 'event_alert',
    action: 'triggered',
    level: 'error',
    title: 'ZeroDivisionError: division by zero',
    location: 'secure_api.py:155 in trigger_error',
    environment: 'production',
    release: 'loyaltybot@1.0.0',
    url: 'https://sentry.io/organizations/acme/issues/1/',
    fields: [],
    dedupKey: null,
    ...over,
  };
}

/** What Telegram would accept: parses, fits 4096 units, at most 100 entities. */
function expectAcceptable(html: string) {
  const parsed = parseTelegramHtml(html);
  if (!parsed.ok) throw new Error(`Telegram would reject: ${parsed.description}\n${html.slice(0, 300)}`);
  expect(parsed.text.length).toBeGreaterThan(0);
  expect(parsed.text.length).toBeLessThanOrEqual(4096);
  expect(parsed.entities.length).toBeLessThanOrEqual(100);
  return parsed;
}

describe('template engine', () => {
  it('escapes every value, including quotes for attributes', () => {
    const html = renderTokens(compile('<a href="{{u}}">{{t}}</a>'), { u: 'https://x/?a=1&b="2"', t: '<b>&' });
    expect(html).toBe('<a href="https://x/?a=1&amp;b=&quot;2&quot;">&lt;b&gt;&amp;</a>');
  });

  it('drops standalone section lines and collapses blank runs', () => {
    const tpl = 'A\n{{#x}}\nX: {{x}}\n{{/x}}\n\n\n{{#y}}\nY\n{{/y}}\nB';
    expect(renderTokens(compile(tpl), { x: '1' })).toBe('A\nX: 1\n\nB');
    expect(renderTokens(compile(tpl), {})).toBe('A\n\nB');
  });

  it('iterates arrays and supports inverted sections', () => {
    const tpl = '{{#items}}- {{label}}\n{{/items}}{{^items}}none{{/items}}';
    expect(renderTokens(compile(tpl), { items: [{ label: 'a' }, { label: '<b>' }] })).toBe('- a\n- &lt;b&gt;');
    expect(renderTokens(compile(tpl), { items: [] })).toBe('none');
  });

  it('rejects unbalanced templates', () => {
    expect(() => compile('{{#a}}x')).toThrow(/never closed/);
    expect(() => compile('x{{/a}}')).toThrow(/unexpected/);
  });

  it('escapeHtml leaves nothing Telegram could read as markup', () => {
    expect(escapeHtml(`<script>alert("x")</script> & co`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
  });
});

describe('fitting', () => {
  it('counts what Telegram counts: tags removed, entities decoded, UTF-16 units', () => {
    expect(visibleText('<b>a&amp;b</b> &lt;3 &#128512;')).toBe('a&b <3 😀');
    expect(visibleText('😀').length).toBe(2);
  });

  it('never splits a surrogate pair', () => {
    expect(cutUtf16('ab😀', 3)).toBe('ab');
    expect(cutUtf16('ab😀', 4)).toBe('ab😀');
  });

  it('shortens the longest value, never the markup', () => {
    const html = renderToFit('<b>{{a}}</b> <i>{{b}}</i>', { a: 'x'.repeat(5000), b: 'short' }, new Set(), 100);
    const parsed = parseTelegramHtml(html);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.text.length).toBeLessThanOrEqual(100);
      expect(parsed.text).toMatch(/^x+… short$/);
    }
  });

  it('counts escaped characters once, not as their entity length', () => {
    const html = renderToFit('{{a}}', { a: '&'.repeat(4096) }, new Set());
    expect(html).toBe('&amp;'.repeat(4096));
  });
});

describe('default template', () => {
  it('renders the old receiver format', () => {
    const r = render(alert());
    expect(r.html).toBe(
      [
        '❌ <b>SENTRY ALERT</b>',
        '',
        '<b>ERROR:</b> ZeroDivisionError: division by zero',
        '',
        '📍 <b>Location:</b> secure_api.py:155 in trigger_error',
        '',
        '🌍 <b>Environment:</b> production',
        '📦 <b>Release:</b> loyaltybot@1.0.0',
        '',
        '🔗 <a href="https://sentry.io/organizations/acme/issues/1/">View in Sentry</a>',
      ].join('\n'),
    );
    expect(r.buttons).toEqual([[{ text: 'View in Sentry', url: 'https://sentry.io/organizations/acme/issues/1/' }]]);
    expect(r.plain).toContain('View in Sentry: https://sentry.io/organizations/acme/issues/1/');
  });

  it.each([
    ['fatal', '🔥', 'FATAL'],
    ['warning', '⚠️', 'WARNING'],
    ['info', 'ℹ️', 'INFO'],
    ['debug', '🐛', 'DEBUG'],
    [null, '🔔', 'ALERT'],
  ] as const)('level %s → %s %s', (level, emoji, word) => {
    const text = expectAcceptable(render(alert({ level })).html).text;
    expect(text.startsWith(`${emoji} SENTRY ALERT`)).toBe(true);
    expect(text).toContain(`${word}: ZeroDivisionError`);
  });

  it('leaves out lines whose values are missing', () => {
    const r = render(alert({ location: undefined, environment: undefined, release: undefined, url: undefined }));
    expect(r.html).toBe('❌ <b>SENTRY ALERT</b>\n\n<b>ERROR:</b> ZeroDivisionError: division by zero');
    expect(r.buttons).toEqual([]);
  });

  const hostile = [
    '<script>alert(1)</script>',
    'a & b',
    '<b>unclosed',
    'x'.repeat(10_000),
    '😀'.repeat(5000),
    'שלום עולם مرحبا بالعالم ‮reversed',
    '&nbsp; &amp; &#0; &#x110000; </b></a>',
    '"quoted" \'single\' `back`',
  ];
  it.each(hostile.map((h) => [h.slice(0, 30), h]))('hostile value %s still yields a message Telegram accepts', (_n, h) => {
    for (const kind of ['event', 'issue', 'metric', 'comment', 'seer', 'installation', 'unknown'] as const) {
      const r = render(
        alert({
          kind,
          title: h,
          text: h,
          location: h,
          environment: h,
          release: h,
          project: h,
          actor: h,
          assignee: h,
          fields: [{ label: h, value: h }],
        }),
      );
      expectAcceptable(r.html);
      expect(r.plain.length).toBeLessThanOrEqual(4096);
    }
  });

  it('a URL too long to be a real link is dropped rather than cut', () => {
    const url = `https://sentry.io/${'a'.repeat(3000)}`;
    const r = render(alert({ url }));
    expect(r.html).not.toContain('View in Sentry');
    expect(r.buttons).toEqual([]);
  });

  it('shows a repeat counter and a status line', () => {
    const text = expectAcceptable(render(alert(), { repeat: { count: 12, lastSeen: '14:02 UTC' }, status: '✅ Resolved' }).html).text;
    expect(text).toContain('🔁 Seen 12 times here · last 14:02 UTC');
    expect(text).toContain('✅ Resolved');
  });
});

describe('digest', () => {
  it('lists alerts with links and says how many more there are', () => {
    const lines = Array.from({ length: 45 }, (_, i) => ({ level: 'error' as const, title: `Error <${i}>`, url: `https://sentry.io/i/${i}/` }));
    const r = renderDigest(lines, 30);
    const parsed = expectAcceptable(r.html);
    expect(parsed.text).toContain('SENTRY DIGEST · 45 alerts');
    expect(parsed.text).toContain('❌ Error <0> · open');
    expect(parsed.text).toContain('…and 15 more: see Sentry.');
    expect(parsed.entities.filter((e) => e.type === 'text_link')).toHaveLength(30);
  });

  it('fits even when every line is huge', () => {
    const lines = Array.from({ length: 30 }, () => ({ level: null, title: 'y'.repeat(5000) }));
    expectAcceptable(renderDigest(lines).html);
  });
});

describe('links Telegram accepts', () => {
  it.each([
    ['https://sentry.io/organizations/acme/issues/1/', 'https://sentry.io/organizations/acme/issues/1/'],
    ['http://sentry.internal:9000/issues/1/', 'http://sentry.internal:9000/issues/1/'],
    ['http://10.0.0.5:9000/issues/1/', 'http://10.0.0.5:9000/issues/1/'],
    ['http://[fd00::5]:9000/issues/1/', 'http://[fd00::5]:9000/issues/1/'],
    ['HTTPS://Sentry.IO/x', 'https://sentry.io/x'],
    ['http://sentry:9000/issues/1/', undefined],
    ['http://localhost:9000/issues/1/', undefined],
    ['http://sentry.io:0/x', undefined],
    ['https://user:pass@sentry.io/x', undefined],
    ['javascript:alert(1)', undefined],
    ['ftp://sentry.io/x', undefined],
    ['not a url', undefined],
    [undefined, undefined],
    [`https://sentry.io/${'x'.repeat(2000)}`, undefined],
  ])('linkUrl(%s) → %s', (url, expected) => {
    expect(linkUrl(url)).toBe(expected);
  });

  it.each([
    ['http://sentry:9000/issues/1/', 'http://sentry:9000/issues/1/'],
    ['http://localhost:9000/x', 'http://localhost:9000/x'],
    ['https://sentry.io/x', undefined],
    ['https://user:pass@sentry/x', undefined],
    ['javascript:alert(1)', undefined],
  ])('textOnlyUrl(%s) → %s', (url, expected) => {
    expect(textOnlyUrl(url)).toBe(expected);
  });

  it('agrees with the fake Telegram on every case: what we link, it takes', () => {
    const urls = ['https://sentry.io/a', 'http://sentry:9000/a', 'http://10.1.2.3/a', 'http://[::1]:9000/a', 'http://localhost/a', 'http://s.io:0/a'];
    for (const url of urls) expect(linkUrl(url) !== undefined).toBe(isAcceptedHttpUrl(url));
  });

  it.each(['event', 'issue', 'metric', 'comment', 'seer', 'unknown'] as const)(
    '%s: a self-hosted dotless link is copyable text with no button, and Telegram takes the HTML',
    (kind) => {
      const url = 'http://sentry:9000/organizations/acme/issues/1/?a=1&b=2';
      const r = render(alert({ kind, url }));
      expect(r.buttons).toEqual([]);
      expect(r.html).not.toContain('<a ');
      expect(r.html).toContain('🔗 Sentry: <code>http://sentry:9000/organizations/acme/issues/1/?a=1&amp;b=2</code>');
      const parsed = expectAcceptable(r.html);
      expect(parsed.entities).toContainEqual(expect.objectContaining({ type: 'code' }));
      expect(r.plain).toContain('http://sentry:9000/organizations/acme/issues/1/?a=1&b=2');
    },
  );

  it('a linkable URL is a link and a button', () => {
    const r = render(alert({ url: 'http://10.0.0.5:9000/i/1/' }));
    expect(r.html).toContain('<a href="http://10.0.0.5:9000/i/1/">View in Sentry</a>');
    expect(r.buttons).toEqual([[{ text: 'View in Sentry', url: 'http://10.0.0.5:9000/i/1/' }]]);
  });

  it('digest lines: links where Telegram takes them, text otherwise', () => {
    const r = renderDigest([
      { level: 'error', title: 'A', url: 'https://sentry.io/i/1/' },
      { level: 'error', title: 'B', url: 'http://sentry:9000/i/2/' },
    ]);
    expect(r.html).toContain('❌ A · <a href="https://sentry.io/i/1/">open</a>');
    expect(r.html).toContain('❌ B · <code>http://sentry:9000/i/2/</code>');
    expectAcceptable(r.html);
  });

  it('the action keyboard never carries a URL Telegram refuses', () => {
    expect(actionKeyboard('unresolved', 'abcdefghij', 'http://sentry:9000/i/1/').flat().map((b) => b.text)).toEqual(['Resolve', 'Archive ▾']);
    expect(actionKeyboard('unresolved', 'abcdefghij', 'https://sentry.io/i/1/').flat().at(-1)).toEqual({
      text: 'Open in Sentry',
      url: 'https://sentry.io/i/1/',
    });
  });
});
