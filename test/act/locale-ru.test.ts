// SENTRY_TG_LOCALE=ru end to end through the real receiver: the alert's chrome and buttons, a
// press and its answer, the status line it leaves, a refused press, the repeat counter in the
// right plural form, bot command replies and the command lists registered per language.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { botCommands } from '../../src/act/command-parse.js';
import type { FakeMessage, TgUser } from '../fakes/telegram.js';
import { CHAT, eventAlert, issueUrl, JANE, ORG, settle, startRig, STRANGER, type Rig } from './harness.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig({ locale: 'ru' });
});
afterEach(async () => {
  await rig.close();
});

async function alertFor(issueId: string) {
  rig.sentry.addIssue(ORG, { id: issueId, project: 'web' });
  await rig.post(eventAlert(issueId), 'event_alert');
  return rig.message(`broken ${issueId}`);
}

async function command(text: string, from: Partial<TgUser> = JANE): Promise<FakeMessage> {
  const update = rig.tg.pushMessage(CHAT, text, { from });
  const id = (update.message as { message_id: number }).message_id;
  return rig.tg.waitFor((t) => t.messagesIn(CHAT).find((m) => m.replyTo === id));
}

const TIME = '\\d\\d:\\d\\d UTC';

describe('an alert in Russian', () => {
  it('chrome and buttons in Russian, Sentry’s title untouched; a press answers and edits in Russian', async () => {
    const msg = await alertFor('301');
    expect(msg.text).toMatch(/^❌ АЛЕРТ SENTRY\n\nОШИБКА: ValueError: broken 301\n/);
    expect(msg.text).toContain('🔗 Открыть в Sentry');
    expect(msg.text).not.toMatch(/View in Sentry|Project:|SENTRY ALERT/);
    expect(msg.replyMarkup?.inline_keyboard).toEqual([
      [
        { text: '✅ Решено', callback_data: expect.stringMatching(/^a:[A-Za-z0-9_-]{10}:r$/) },
        { text: 'Архивировать ▾', callback_data: expect.stringMatching(/^a:[A-Za-z0-9_-]{10}:am$/) },
        { text: 'Открыть в Sentry', url: issueUrl('301') },
      ],
    ]);

    const answer = await rig.press(msg, '✅ Решено');
    expect(answer).toMatchObject({ text: 'Решено в Sentry ✅', showAlert: false });
    await rig.tg.waitFor(() => msg.text.includes('✅ Решено · @jane'));
    expect(msg.text).toMatch(new RegExp(`\\n\\n✅ Решено · @jane · ${TIME}\\n\\n🔗 Открыть в Sentry$`));
    expect(rig.labels(msg)).toEqual(['Открыть снова', 'Открыть в Sentry']);
  });

  it('the archive menu and a refused press are in Russian', async () => {
    const msg = await alertFor('302');
    await rig.press(msg, 'Архивировать ▾');
    await rig.tg.waitFor(() => rig.labels(msg).includes('← Назад'));
    expect(rig.labels(msg)).toEqual(['1 ч', '24 ч', 'До эскалации', 'Навсегда', '← Назад']);
    const refused = await rig.press(msg, '1 ч', STRANGER);
    expect(refused).toMatchObject({ text: 'Нет доступа: вашего Telegram user id нет в SENTRY_TG_ALLOWED_USERS. (Ваш id: 6666.)', showAlert: true });
    expect(rig.sentry.issueUpdates).toEqual([]);
  });

  it('repeats: "Повторилось 2 раза", then "5 раз"', async () => {
    const first = await alertFor('303');
    await rig.post(eventAlert('303'), 'event_alert');
    await rig.tg.waitFor(() => first.text.includes('🔁 Повторилось 2 раза · последний раз'));
    for (let i = 0; i < 3; i++) await rig.post(eventAlert('303'), 'event_alert');
    await rig.tg.waitFor(() => first.text.includes('🔁 Повторилось 5 раз · последний раз'));
    expect(first.text).toMatch(new RegExp(`🔁 Повторилось 5 раз · последний раз ${TIME}\\n`));
  });
});

describe('bot commands in Russian', () => {
  it('/help lists the commands with Russian descriptions', async () => {
    const reply = await command('/help');
    expect(reply.text.split('\n')[0]).toBe('Я публикую здесь алерты Sentry и держу по одному актуальному сообщению на каждую проблему.');
    expect(reply.text).toContain('/mute — Заглушить одну проблему в этом чате: /mute FRONT-END-9 2h');
    expect(reply.text).toMatch(/Кнопки «Решено» и «Архивировать» под алертом меняют проблему в Sentry/);
  });

  it('/mute and /unmute answer in Russian, the duration in Russian units', async () => {
    const muted = await command('/mute WEB-9 2h');
    expect(muted.text).toMatch(/^🔕 WEB-9 заглушена в этом чате на 2 ч \(до \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\. /);
    expect(muted.html).toContain('<b>WEB-9</b>');
    expect(muted.text).toContain('\nВ этот чат ещё не приходили алерты по WEB-9');
    const byId = await command('/mute 1234 30m');
    expect(byId.text).toMatch(/^🔕 проблема 1234 заглушена в этом чате на 30 мин /);
    const usage = await command('/mute');
    expect(usage.text).toMatch(/^Использование: \/mute /);
    const unmuted = await command('/unmute WEB-9');
    expect(unmuted.text).toBe('🔔 Заглушка с WEB-9 снята.');
  });

  it('/status in Russian', async () => {
    const reply = await command('/status');
    expect(reply.text).toMatch(/^sentry-tg \S+ · ✅ в порядке\nВ очереди: 0\nПоследняя доставка: ещё не было\nНедоставлено: 0\nЗаглушено алертов: 0\nБез маршрута: 0 · других проектов: 0\nTelegram: доступен\nКнопки: включены$/);
  });

  it('the command list is registered in the configured language, and per language for each user’s app', async () => {
    await rig.tg.waitFor((t) => (t.callsTo('setMyCommands').length >= 3 ? true : undefined));
    const get = async (params: Record<string, string>) => {
      const res = await fetch(`${rig.tg.url}/bot${rig.tg.token}/getMyCommands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      return ((await res.json()) as { result: unknown }).result;
    };
    expect(await get({})).toEqual(botCommands('ru'));
    expect(await get({ language_code: 'ru' })).toEqual(botCommands('ru'));
    expect(await get({ language_code: 'en' })).toEqual(botCommands('en'));
    expect(botCommands('ru').map((c) => c.command)).toEqual(botCommands('en').map((c) => c.command));
    await settle(50);
  });
});
