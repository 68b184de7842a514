// Every kind of message in Russian — each sample alert kind, the installation notice, the issue
// message in each state with its status line, counter and buttons, the archive menu, a digest
// and an alert too long for Telegram — sent through the real Telegram client to the fake Bot
// API with its HTML rules (strict) and length limits on: every one accepted as HTML.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { previewMessages } from '../../src/commands/preview.js';
import { SAMPLE_KINDS, samplePayload } from '../../src/commands/samples.js';
import { applyChange, OPEN, type IssueChange, type IssueState } from '../../src/issue/state.js';
import type { Alert } from '../../src/normalise/alert.js';
import { normalise } from '../../src/normalise/normalise.js';
import { renderIssueMessage } from '../../src/render/issue-message.js';
import { actionKeyboard } from '../../src/render/keyboard.js';
import { render, renderDigest, type Rendered } from '../../src/render/render.js';
import { TEMPLATE_NAMES } from '../../src/render/template-vars.js';
import { loadTemplates } from '../../src/render/templates.js';
import { createTelegram, type Telegram } from '../../src/telegram/client.js';
import { MAX_TEXT_UTF16, startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

const CHAT = -1001230000123;
const CYRILLIC = /[А-Яа-яЁё]/;
const T0 = Date.UTC(2025, 4, 20, 14, 0, 0);

let tg: FakeTelegram;
let client: Telegram;
beforeAll(async () => {
  // Rate limits off: this test is about what Telegram accepts, not pacing (deliver/ tests that).
  tg = await startFakeTelegram({ limits: false, strictHtml: true, chats: [{ id: CHAT, type: 'supergroup', title: 'Дежурные' }] });
  client = createTelegram({ apiRoot: tg.url, token: tg.token });
});
afterAll(async () => {
  await tg.close();
});
afterEach(() => {
  loadTemplates();
});

async function send(r: Rendered): Promise<string> {
  const sent = await client.sendMessage({
    chat_id: CHAT,
    text: r.html,
    parse_mode: 'HTML',
    ...(r.buttons.length ? { reply_markup: { inline_keyboard: r.buttons } } : {}),
  });
  const m = tg.messagesIn(CHAT).find((x) => x.messageId === sent.message_id);
  expect(m?.parseMode).toBe('HTML');
  return m!.text;
}

function sample(kind: (typeof SAMPLE_KINDS)[number]): Alert {
  const s = samplePayload(kind, { now: T0, nonce: 'feedc0de' });
  return normalise({ resource: s.resource, body: s.body });
}

function row(kind: IssueChange['kind'], alert: Alert, minutes: number): IssueChange {
  return { kind, receivedAt: T0 + minutes * 60_000, alert: () => alert };
}

describe('every message kind in ru is accepted by Telegram', () => {
  it('each sample alert kind, alone', async () => {
    for (const kind of SAMPLE_KINDS) {
      const text = await send(render(sample(kind), {}, 'ru'));
      expect(text, kind).toMatch(CYRILLIC);
      expect(text, kind).not.toMatch(/View in Sentry|SENTRY ALERT|Project:/);
    }
  });

  it('every kind preview shows, installation included', async () => {
    const shown = previewMessages(TEMPLATE_NAMES, 'ru');
    expect(new Set(shown.map((m) => m.kind))).toEqual(new Set(TEMPLATE_NAMES));
    for (const m of shown) expect(await send(m.rendered), m.label).toMatch(CYRILLIC);
  });

  it('the issue message in each state: counter, status and assignee lines, buttons, archive menu', async () => {
    const body = sample('error');
    const states: [string, IssueState][] = [['open', OPEN]];
    let state = OPEN;
    for (const [kind, sampleKind, minute] of [
      ['assigned', 'issue-assigned', 2],
      ['resolved', 'issue-resolved', 3],
      ['unresolved', 'issue-created', 4],
      ['ignored', 'issue-archived', 5],
    ] as const) {
      state = applyChange(state, row(kind, sample(sampleKind), minute), 'ru').state;
      states.push([kind, state]);
    }
    for (const [name, s] of states) {
      const view = { body, state: s, count: 12, firstSeen: T0, lastSeen: T0 + 60_000 };
      const text = await send(renderIssueMessage(view, actionKeyboard(s.status, 'abcdefghij', body.url, 'main', 'ru'), 'ru'));
      expect(text, name).toContain('🔁 Повторилось 12 раз');
      if (s.line) expect(text, name).toContain(s.line);
    }
    const last = tg.messagesIn(CHAT).at(-1)!;
    expect((last.replyMarkup?.inline_keyboard ?? []).flat().map((b) => b?.text)).toEqual(['Вернуть из архива', 'Открыть в Sentry']);
    const menu = renderIssueMessage({ body, state: OPEN, count: 1, firstSeen: T0, lastSeen: T0 }, actionKeyboard('unresolved', 'abcdefghij', body.url, 'archive', 'ru'), 'ru');
    expect(await send(menu)).toMatch(CYRILLIC);
  });

  it('a full digest and an alert far over 4096 characters still fit and parse', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => ({ level: 'error' as const, title: `Ошибка №${i} <${'д'.repeat(300)}> & "кавычки"`, url: `https://sentry.io/organizations/acme/issues/${i}/` }));
    const digest = await send(renderDigest(lines, 30, 'ru'));
    expect(digest).toMatch(/^📚 СВОДКА SENTRY · 40 алертов\n/);
    expect(digest).toContain('…и ещё 10: смотрите в Sentry.');
    expect(digest.length).toBeLessThanOrEqual(MAX_TEXT_UTF16);

    const long = { ...sample('error'), title: `Ошибка ${'очень длинная <b>не тег</b> & '.repeat(400)}` };
    const text = await send(render(long, {}, 'ru'));
    expect(text.length).toBeLessThanOrEqual(MAX_TEXT_UTF16);
    expect(text).toContain('<b>не тег</b>');
    expect(text).toContain('Открыть в Sentry');
  });

  it('a user template set in ru renders through to Telegram too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentry-tg-ru-set-'));
    try {
      mkdirSync(join(dir, 'compact', 'ru'), { recursive: true });
      writeFileSync(join(dir, 'compact', 'ru', 'event.html'), '{{emoji}} <b>{{levelWord}}</b> {{title}}\n{{#url}}<a href="{{url}}">Открыть</a>{{/url}}{{#plainUrl}}<code>{{plainUrl}}</code>{{/plainUrl}}\n');
      loadTemplates(dir);
      const text = await send(render(sample('fatal'), {}, 'ru', 'compact'));
      expect(text).toMatch(/^🔥 FATAL MemoryError: .*\nОткрыть$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
