// One receiver, two routed chats in two languages: bot command replies and press answers follow
// the locale of the chat they answer in (its route's `locale`), not the global SENTRY_TG_LOCALE.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, TgUser } from '../fakes/telegram.js';
import { tempDir } from '../helpers.js';
import { CHAT, eventAlert, JANE, ORG, startRig, STRANGER, type Rig } from './harness.js';

const EN_CHAT = -1001234500001;
// A basic group with a Russian route that Telegram upgrades to a supergroup mid-test.
const OLD_GROUP = -5001;
const NEW_SUPERGROUP = -1001234505001;
let rig: Rig;
let dir: ReturnType<typeof tempDir>;
beforeAll(async () => {
  dir = tempDir('sentry-tg-locales-');
  const routes = join(dir.path, 'routes.yaml');
  writeFileSync(
    routes,
    [
      'routes:',
      '  - name: web-ru',
      '    match: { project: web }',
      `    chat: "${CHAT}"`,
      '    locale: ru',
      '  - name: api-en',
      '    match: { project: api }',
      `    chat: "${EN_CHAT}"`,
      '  - name: ops-ru',
      '    match: { project: ops }',
      `    chat: "${OLD_GROUP}"`,
      '    locale: ru',
    ].join('\n'),
  );
  // The global locale is English: only the route makes the web chat Russian.
  rig = await startRig({ locale: 'en', routes, chatId: undefined });
  rig.tg.addChat({ id: EN_CHAT, type: 'supergroup', title: 'API' });
  rig.tg.addChat({ id: OLD_GROUP, type: 'group', title: 'Ops' });
});
afterAll(async () => {
  await rig.close();
  dir.cleanup();
});

async function command(chat: number, text: string, from: Partial<TgUser> = JANE): Promise<FakeMessage> {
  const update = rig.tg.pushMessage(chat, text, { from });
  const id = (update.message as { message_id: number }).message_id;
  return rig.tg.waitFor((t) => t.messagesIn(chat).find((m) => m.replyTo === id));
}

/** An event alert of `project` (the project is read from the event's API URL). */
function alertOf(project: string, issueId: string) {
  const payload = eventAlert(issueId);
  payload.data.event.url = payload.data.event.url.replace('/web/', `/${project}/`);
  return payload;
}

describe('replies in the language of the chat they answer in', () => {
  it('/status: Russian in the ru route’s chat, English in the other, same process', async () => {
    const ru = await command(CHAT, '/status');
    const en = await command(EN_CHAT, '/status');
    expect(ru.text).toMatch(/^sentry-tg \S+ · ✅ в порядке\nВ очереди: 0\n/);
    expect(ru.text).toContain('Без маршрута: 0 · других проектов: 0');
    expect(en.text).toMatch(/^sentry-tg \S+ · ✅ ok\nWaiting: 0\n/);
    expect(en.text).toContain('Matched no route: 0 · other projects: 0');
  });

  it('/help and /mute answer in each chat’s language', async () => {
    expect((await command(CHAT, '/help')).text.split('\n')[0]).toBe(
      'Я публикую здесь алерты Sentry и держу по одному актуальному сообщению на каждую проблему.',
    );
    expect((await command(EN_CHAT, '/help')).text.split('\n')[0]).toBe('I post Sentry alerts here and keep one message per issue up to date.');
    expect((await command(CHAT, '/mute')).text).toMatch(/^Использование: \/mute/);
    expect((await command(EN_CHAT, '/mute')).text).toMatch(/^Usage: \/mute/);
  });

  it('press answers follow the chat of the pressed message', async () => {
    rig.sentry.addProject(ORG, 'api');
    rig.sentry.addIssue(ORG, { id: '701', project: 'web' });
    rig.sentry.addIssue(ORG, { id: '702', project: 'api' });
    await rig.post(alertOf('web', '701'), 'event_alert');
    await rig.post(alertOf('api', '702'), 'event_alert');
    const ruMsg = await rig.tg.waitFor((t) => t.messagesIn(CHAT).find((m) => m.text.includes('broken 701')));
    const enMsg = await rig.tg.waitFor((t) => t.messagesIn(EN_CHAT).find((m) => m.text.includes('broken 702')));
    const ruAnswer = await rig.press(ruMsg, '✅ Решено', STRANGER);
    const enAnswer = await rig.press(enMsg, rig.labels(enMsg)[0]!, STRANGER);
    expect(ruAnswer).toMatchObject({ text: 'Нет доступа: вашего Telegram user id нет в SENTRY_TG_ALLOWED_USERS. (Ваш id: 6666.)', showAlert: true });
    expect(enAnswer).toMatchObject({ text: 'Not allowed: your Telegram user id is not in SENTRY_TG_ALLOWED_USERS. (Your id: 6666.)', showAlert: true });
    // An allowed press: the toast in the chat's language.
    expect(await rig.press(ruMsg, '✅ Решено')).toMatchObject({ text: 'Решено в Sentry ✅' });
    expect(await rig.press(enMsg, rig.labels(enMsg)[0]!)).toMatchObject({ text: 'Resolved in Sentry ✅' });
  });

  it('a group upgraded to a supergroup keeps its route’s language', async () => {
    rig.tg.migrateGroup(OLD_GROUP, NEW_SUPERGROUP);
    // The alert meets "group chat was upgraded" and is posted to the supergroup; the receiver learns the new id.
    await rig.post(alertOf('ops', '703'), 'event_alert');
    const msg = await rig.tg.waitFor((t) => t.messagesIn(NEW_SUPERGROUP).find((m) => m.text.includes('broken 703')));
    expect(await rig.press(msg, '✅ Решено', STRANGER)).toMatchObject({ text: expect.stringMatching(/^Нет доступа/) });
    const reply = await command(NEW_SUPERGROUP, '/status');
    expect(reply.text).toMatch(/^sentry-tg \S+ · ✅ в порядке\n/);
  });
});
