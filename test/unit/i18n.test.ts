// The message catalogue: every key in both languages, Russian plural forms, the locale setting,
// and every kind of message rendered in Russian with no English chrome left and valid HTML.
import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import { ru } from '../../src/i18n/ru.js';
import { counted, localeFromEnv, messages, pluralWord } from '../../src/i18n/index.js';
import { OPTIONS } from '../../src/config/options.js';
import { loadSettings } from '../../src/config/load.js';
import { SAMPLE_KINDS, samplePayload } from '../../src/commands/samples.js';
import { normalise } from '../../src/normalise/normalise.js';
import { render, renderDigest } from '../../src/render/render.js';
import { fieldLabel, KNOWN_FIELD_LABELS } from '../../src/render/labels.js';
import { actionLine, actionToast, ACTION_CODES, type SentryAction } from '../../src/issue/actions.js';
import { failureAnswer } from '../../src/act/press.js';
import { parseDuration } from '../../src/act/command-parse.js';
import { applyChange, OPEN, regressed, type IssueChange } from '../../src/issue/state.js';
import { renderIssueMessage } from '../../src/render/issue-message.js';
import { actionKeyboard } from '../../src/render/keyboard.js';
import { parseTelegramHtml } from '../fakes/telegram-html.js';
import { fixture } from '../helpers.js';
import { titleText } from '../../src/i18n/phrases.js';

const CYRILLIC = /[А-Яа-яЁё]/;
// Words Russian on-call engineers use as they are (and level FATAL, as Sentry shows it).
const SAME_IN_RUSSIAN = new Set(['levelFatal', 'fieldPullRequest', 'titleSeerOther']);

/** A sample value for each parameter, so function entries can be called. */
function sampleOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return String((value as (...a: unknown[]) => unknown)('X', 'Y', 'Z', 'W', 'V'));
  return JSON.stringify(value);
}

describe('catalogue', () => {
  it('en and ru have exactly the same keys, with the same kind of value and the same parameters', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const a = en[key];
      const b = ru[key];
      expect(typeof b, key).toBe(typeof a);
      if (typeof a === 'function') expect((b as (...x: unknown[]) => unknown).length, key).toBe(a.length);
      if (typeof a === 'object') expect(Object.keys(b as object).sort(), key).toEqual(expect.arrayContaining(Object.keys(a)));
    }
  });

  it('every Russian entry is Russian (not a copy of the English one) and none is empty', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const text = sampleOf(ru[key]);
      expect(text.trim().length, key).toBeGreaterThan(0);
      if (SAME_IN_RUSSIAN.has(key)) continue;
      // Formats made only of the parts passed in (actionLine) must at least differ from English.
      expect(CYRILLIC.test(text) || text !== sampleOf(en[key]), `${key}: ${text}`).toBe(true);
    }
  });

  it('messages() picks the catalogue; English is the default', () => {
    expect(messages('ru').viewInSentry).toBe('Открыть в Sentry');
    expect(messages().viewInSentry).toBe('View in Sentry');
  });

  it('every English field label the normaliser writes has a Russian label', () => {
    for (const label of KNOWN_FIELD_LABELS.filter((l) => l !== 'Pull request')) expect(fieldLabel(label, ru), label).toMatch(CYRILLIC);
    expect(fieldLabel('Step 3', ru)).toBe('Шаг 3');
    // A label sentry-tg did not write (an unknown webhook's own key) is Sentry's data: as it came.
    expect(fieldLabel('data.custom_key', ru)).toBe('data.custom_key');
    expect(fieldLabel('toString', ru)).toBe('toString');
  });
});

describe('plural forms', () => {
  it('Russian: one (1, 21, 101), few (2–4, 22–24), many (0, 5–20, 11–14, 25, 111)', () => {
    const events = ru.events;
    const cases: [number, string][] = [
      [0, 'событий'], [1, 'событие'], [2, 'события'], [3, 'события'], [4, 'события'], [5, 'событий'],
      [11, 'событий'], [12, 'событий'], [14, 'событий'], [20, 'событий'], [21, 'событие'], [22, 'события'],
      [25, 'событий'], [101, 'событие'], [111, 'событий'], [1004, 'события'],
    ];
    for (const [n, word] of cases) expect(pluralWord('ru', n, events), String(n)).toBe(word);
    expect([1, 2, 5, 12, 22].map((n) => counted('ru', n, ru.times))).toEqual(['1 раз', '2 раза', '5 раз', '12 раз', '22 раза']);
    expect([1, 3, 11].map((n) => counted('ru', n, ru.users))).toEqual(['1 пользователь', '3 пользователя', '11 пользователей']);
  });

  it('English: one and other', () => {
    expect([0, 1, 2, 21].map((n) => counted('en', n, en.events))).toEqual(['0 events', '1 event', '2 events', '21 events']);
  });

  it('the counters in a rendered message use them', () => {
    const alert = normalise(samplePayload('issue-created'));
    const html = render({ ...alert, count: 22, userCount: 5 }, { repeat: { count: 3, lastSeen: '14:02 UTC' } }, 'ru').html;
    expect(html).toContain('📊 22 события · 5 пользователей');
    const event = normalise(samplePayload('error'));
    expect(render(event, { repeat: { count: 12, lastSeen: '14:02 UTC' } }, 'ru').html).toContain('🔁 Повторилось 12 раз · последний раз 14:02 UTC');
    expect(render(event, { repeat: { count: 12, lastSeen: '14:02 UTC' } }).html).toContain('🔁 Seen 12 times here · last 14:02 UTC');
  });
});

describe('the setting', () => {
  it('SENTRY_TG_LOCALE: en or ru; default from LC_ALL, LC_MESSAGES, LANG', () => {
    expect(OPTIONS.locale.parse('RU')).toEqual({ value: 'ru' });
    expect(OPTIONS.locale.parse('de')).toEqual({ error: 'must be en or ru, got "de"' });
    expect(localeFromEnv({ LANG: 'ru_RU.UTF-8' })).toBe('ru');
    expect(localeFromEnv({ LANG: 'en_US.UTF-8' })).toBe('en');
    expect(localeFromEnv({})).toBe('en');
    expect(localeFromEnv({ LC_ALL: 'C.UTF-8', LANG: 'ru_RU.UTF-8' })).toBe('en');
    expect(localeFromEnv({ LC_ALL: 'ru_UA.UTF-8', LANG: 'en_GB.UTF-8' })).toBe('ru');
  });

  it('loadSettings: LANG=ru gives ru unless SENTRY_TG_LOCALE says otherwise', () => {
    const load = (env: Record<string, string>) =>
      loadSettings({ env, flags: {}, envFile: { path: '/nonexistent/sentry-tg.env', explicit: false } }).settings.locale;
    expect(load({ LANG: 'ru_RU.UTF-8' })).toBe('ru');
    expect(load({ LANG: 'ru_RU.UTF-8', SENTRY_TG_LOCALE: 'en' })).toBe('en');
    expect(load({ LANG: 'C' })).toBe('en');
  });
});

describe('every kind in Russian', () => {
  const ENGLISH_CHROME = [
    'View in Sentry', 'SENTRY ALERT', 'SENTRY ISSUE', 'METRIC ALERT', 'SENTRY WEBHOOK', 'SENTRY DIGEST', 'Location:', 'Project:',
    'Environment:', 'Release:', 'Rule:', 'By:', 'Assigned to:', 'Seen ', '• Aggregate', '• Query', '• Resolution', '• Archived',
    '• Substatus', '• First seen', '• Organization', '• Webhook', '• Change', '• Branch', '• Key step',
    'New comment', 'Comment edited', 'Root cause', 'Solution found', 'Sentry integration',
  ];

  it.each(SAMPLE_KINDS)('%s: no English chrome, valid Telegram HTML, Sentry’s texts unchanged', (kind) => {
    const alert = normalise(samplePayload(kind, { now: Date.UTC(2026, 11, 2, 14, 2) }));
    const ruText = render(alert, { repeat: { count: 3, lastSeen: '14:02 UTC' } }, 'ru');
    const enText = render(alert, { repeat: { count: 3, lastSeen: '14:02 UTC' } }, 'en');
    expect(() => parseTelegramHtml(ruText.html)).not.toThrow();
    for (const word of ENGLISH_CHROME) expect(ruText.plain, word).not.toContain(word);
    expect(ruText.plain).toMatch(CYRILLIC);
    // Sentry's own data is never translated.
    // Sentry's own data is never translated; a title sentry-tg words itself is.
    if (alert.titlePhrase) expect(ruText.plain).not.toContain(alert.title);
    else expect(ruText.plain).toContain(alert.title.slice(0, 40));
    if (alert.project) expect(ruText.plain).toContain(alert.project);
    expect(enText.plain).not.toMatch(CYRILLIC);
    for (const row of ruText.buttons) for (const b of row) expect(b.text).not.toBe('View in Sentry');
  });

  it('the digest', () => {
    const d = renderDigest([{ level: 'error', title: 'A', url: 'https://sentry.io/i/1/' }, { level: null, title: 'B' }, { level: 'fatal', title: 'C' }], 2, 'ru');
    expect(d.plain).toBe('📚 СВОДКА SENTRY · 3 алерта\n\n❌ A · открыть: https://sentry.io/i/1/\n🔔 B\n\n…и ещё 1: смотрите в Sentry.');
    expect(() => parseTelegramHtml(d.html)).not.toThrow();
  });

  it('status lines and press answers', () => {
    const at = Date.UTC(2026, 11, 2, 14, 2);
    expect(actionLine('r', '@jane', at, 'ru')).toBe('✅ Решено · @jane · 14:02 UTC');
    expect(actionLine('a24', 'Ann', at, 'ru')).toBe('🔕 В архиве на 24 ч · Ann · 14:02 UTC');
    expect(actionLine('r', '@jane', at)).toBe('✅ Resolved by @jane · 14:02 UTC');
    expect(actionToast('ae', 'ru')).toBe('В архиве до эскалации в Sentry 🔕');
    expect(failureAnswer('r', 'Forbidden', 'ru')).toBe('Не удалось решить в Sentry: Forbidden');
    expect(failureAnswer('a1', 'x'.repeat(500), 'ru')).toHaveLength(200);
    const codes = ACTION_CODES.filter((c): c is SentryAction => c !== 'am' && c !== 'b');
    for (const c of codes) expect(actionToast(c, 'ru')).toMatch(CYRILLIC);
    expect(parseDuration('90m', 'ru')).toEqual({ ms: 90 * 60_000, text: '90 мин' });
    expect(parseDuration('1w', 'ru')?.text).toBe('1 нед');
  });
});

describe('issue status lines from Sentry in Russian', () => {
  const at = Date.UTC(2026, 11, 2, 14, 2);
  const base = normalise(samplePayload('issue-created'));
  const row = (kind: IssueChange['kind'], over: Partial<typeof base> = {}): IssueChange => ({ kind, receivedAt: at, alert: () => ({ ...base, ...over }) });

  it('resolved, archived (with how), unarchived and regressed', () => {
    const resolved = applyChange(OPEN, row('resolved', { actor: 'Jane' }), 'ru').state;
    expect(resolved.line).toBe('✅ Решено в Sentry · Jane · 14:02 UTC');
    expect(applyChange(OPEN, row('resolved', { actor: 'Sentry' }), 'ru').state.line).toBe('✅ Решено в Sentry · 14:02 UTC');
    const archived = applyChange(OPEN, row('ignored', { actor: 'Ann', fields: [{ label: 'Archived', value: 'forever' }] }), 'ru').state;
    expect(archived.line).toBe('🔕 В архиве в Sentry (forever) · Ann · 14:02 UTC');
    expect(applyChange(archived, row('unresolved', { actor: 'Ann' }), 'ru').state.line).toBe('🔄 Возвращено из архива в Sentry · Ann · 14:02 UTC');
    expect(regressed(resolved, row('occurrence'), 'ru').line).toBe('🔁 Регрессия: новое событие после решения · 14:02 UTC');
    expect(regressed(resolved, row('unresolved', { actor: 'Bob' }), 'ru').line).toBe('🔁 Регрессия: снова открыто в Sentry · Bob · 14:02 UTC');
    // English stays exactly as it was.
    expect(applyChange(OPEN, row('resolved', { actor: 'Jane' })).state.line).toBe('✅ Resolved in Sentry by Jane · 14:02 UTC');
  });

  it('the issue message: status block, assignee line and Russian keyboard', () => {
    const event = normalise(samplePayload('error'));
    const view = { body: event, state: { ...OPEN, assignee: 'jane@example.com', line: '✅ Решено · @jane · 14:02 UTC' }, count: 2, firstSeen: at, lastSeen: at };
    const keyboard = actionKeyboard('resolved', 'AbCdEfGhIj', event.url, 'main', 'ru');
    const msg = renderIssueMessage(view, keyboard, 'ru');
    expect(msg.plain).toContain('🔁 Повторилось 2 раза · последний раз 14:02 UTC');
    expect(msg.plain).toContain('\n\n✅ Решено · @jane · 14:02 UTC\n👤 Исполнитель: jane@example.com\n');
    expect(msg.buttons.flat().map((b) => b.text)).toEqual(['Открыть снова', 'Открыть в Sentry']);
    expect(() => parseTelegramHtml(msg.html)).not.toThrow();
  });
});

describe('field values sentry-tg words itself, in the chat’s language', () => {
  const issue = (action: string, over: Record<string, unknown>, data: Record<string, unknown> = {}) => {
    const base = (fixture('issue.created.json') as { data: { issue: Record<string, unknown> } }).data.issue;
    return normalise({ resource: 'issue', body: { action, data: { issue: { ...base, ...over }, ...data } } });
  };
  const shown = (alert: ReturnType<typeof normalise>, locale: 'en' | 'ru') => render(alert, {}, locale).plain;

  it.each([
    ['ongoing', 'ongoing', 'продолжается'],
    ['regressed', 'regressed', 'регрессия'],
    ['escalating', 'escalating', 'эскалация'],
    ['new', 'new', 'новая'],
  ])('substatus %s: "%s" / "%s"', (code, en, ru) => {
    const alert = issue('unresolved', { status: 'unresolved', substatus: code });
    expect(alert.fields.find((f) => f.label === 'Substatus')?.phrase).toEqual({ kind: 'substatus', code });
    expect(shown(alert, 'en')).toContain(`Substatus: ${en}`);
    expect(shown(alert, 'ru')).toContain(`Подстатус: ${ru}`);
    expect(shown(alert, 'ru')).not.toContain(`: ${en}\n`);
  });

  it('archive conditions and substatus in Russian, with Russian plurals and units', () => {
    const conditions = issue('ignored', {
      status: 'ignored',
      substatus: 'archived_until_condition_met',
      statusDetails: { ignoreDuration: 30, ignoreCount: 2, ignoreWindow: 60, ignoreUserCount: 5 },
    });
    expect(shown(conditions, 'ru')).toContain('В архиве: на 30 мин, пока не повторится ещё 2 раза за 1 ч, пока не затронет ещё 5 пользователей');
    expect(shown(conditions, 'en')).toContain('Archived: for 30 min, until seen 2 more times in 1 h, until 5 more users');
    const escalating = issue('ignored', { status: 'ignored', substatus: 'archived_until_escalating' });
    expect(shown(escalating, 'ru')).toContain('В архиве: до эскалации');
    // The state line an archived issue leaves on its message, too.
    const line = applyChange(OPEN, { kind: 'ignored', receivedAt: Date.UTC(2026, 0, 1, 14, 2), alert: () => escalating }, 'ru').state.line;
    expect(line).toContain('(до эскалации)');
  });

  it('a resolution and a metric alert’s time window in Russian', () => {
    const resolved = issue('resolved', { status: 'resolved', statusDetails: { inNextRelease: true } });
    expect(shown(resolved, 'ru')).toContain('Решение: в следующем релизе');
    expect(shown(resolved, 'en')).toContain('Resolution: in next release');
    const metric = normalise(samplePayload('metric-critical', { now: Date.UTC(2026, 11, 2, 14, 2) }));
    const window = metric.fields.find((f) => f.label === 'Time window');
    expect(window?.phrase).toMatchObject({ kind: 'minutes' });
    expect(shown(metric, 'ru')).toMatch(/Окно: \d+ (мин|ч|д)\n/);
  });

  it('a code this version does not know is shown humanised, as Sentry sent it', () => {
    const alert = issue('unresolved', { status: 'unresolved', substatus: 'brand_new_state' });
    expect(shown(alert, 'ru')).toContain('Подстатус: brand new state');
  });
});

describe('an unreadable body, in the chat’s language', () => {
  it.each([
    [[1, 2, 3], 'список: 3 элемента', 'array of 3 items'],
    [[1], 'список: 1 элемент', 'array of 1 item'],
    [undefined, 'пусто', 'empty'],
  ])('%j', (body, ru, en) => {
    const alert = normalise({ resource: undefined, body });
    expect(render(alert, {}, 'ru').plain).toContain(`: ${ru}`);
    expect(render(alert, {}, 'en').plain).toContain(`: ${en}`);
  });
});

describe('titles sentry-tg words itself, in the chat’s language', () => {
  it.each([
    ['comment', 'created', { comment_id: '1', issue_id: '42', comment: 'looks bad' }, 'Новый комментарий к проблеме 42', 'New comment on issue 42'],
    ['comment', 'deleted', { comment_id: '1' }, 'Комментарий удалён', 'Comment deleted'],
    ['seer', 'root_cause_completed', { run_id: 7, group_id: '42' }, 'Первопричина найдена', 'Root cause found'],
    ['installation', 'created', { installation: { uuid: 'u-1' } }, 'Интеграция Sentry установлена', 'Sentry integration installed'],
  ])('%s.%s', (resource, action, data, ru, en) => {
    const alert = normalise({ resource, body: { action, data, actor: { type: 'user', id: '1', name: 'Jane' } } });
    expect(alert.title).toBe(en);
    expect(render(alert, {}, 'ru').plain).toContain(ru);
    expect(render(alert, {}, 'en').plain).toContain(en);
  });

  it('a digest line of a comment is in the digest’s language', () => {
    const alert = normalise({ resource: 'comment', body: { action: 'created', data: { comment_id: '1', issue_id: '42' } } });
    expect(titleText(alert, 'ru')).toBe('Новый комментарий к проблеме 42');
    // A title Sentry wrote stays as it came.
    expect(titleText({ title: 'ValueError: broken' }, 'ru')).toBe('ValueError: broken');
  });

  it.each([
    ['no title at all', { resource: undefined, body: 42 }, 'Непонятные данные от Sentry', 'Unrecognised Sentry payload'],
    ['an unknown webhook', { resource: 'preprod_artifact', body: { action: 'created', data: { id: 5 } } }, 'Sentry прислал preprod_artifact.created', 'Sentry sent preprod_artifact.created'],
    ['an issue without a title', { resource: 'issue', body: { action: 'created', data: { issue: { id: '9' } } } }, 'Проблема Sentry', 'Sentry issue'],
    ['an event without a title', { resource: 'event_alert', body: { action: 'triggered', data: { event: { event_id: 'e1' } } } }, 'Событие Sentry', 'Sentry event'],
    ['a metric alert without a title', { resource: 'metric_alert', body: { action: 'critical', data: { metric_alert: { id: '3' } } } }, 'Алерт по метрике', 'Metric alert'],
  ])('fallback title: %s', (_what, input, ru, en) => {
    const alert = normalise(input);
    expect(alert.title).toBe(en);
    expect(titleText(alert, 'en')).toBe(en);
    expect(titleText(alert, 'ru')).toBe(ru);
    expect(render(alert, {}, 'ru').plain).toContain(ru);
    expect(render(alert, {}, 'ru').plain).not.toContain(en);
    expect(render(alert, {}, 'en').plain).toContain(en);
  });
});
