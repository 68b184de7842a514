// The setup wizard in Russian: with LANG=ru_RU.UTF-8 (and no SENTRY_TG_LOCALE) its frame,
// plan heading and last line are Russian; a scripted question is asked in Russian too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, runMain, scriptedPrompts, testContext, worldArgs, type World } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await makeWorld();
});
afterEach(async () => {
  await w.close();
});

describe('setup in Russian', () => {
  it('a non-interactive dry run speaks Russian and changes nothing', async () => {
    const t = testContext({ cwd: w.dir, interactive: false, env: { ...w.env, LANG: 'ru_RU.UTF-8' } });
    const code = await runMain(t, [...worldArgs(w), '--yes', '--dry-run', '--mode', 'integration', '--no-tunnel']);
    const out = t.output();
    expect(code, out).toBe(0);
    expect(out).toContain('sentry-tg setup (без вопросов): ответы берутся из флагов, окружения и env-файла.');
    expect(out).toContain('План:');
    expect(out).toContain('Пробный запуск: ничего не изменено.');
    expect(out).not.toContain('Dry run: nothing was changed.');
    expect(out).toContain('Telegram-бот: @');
    expect(out).toContain('Чат: личный чат с Ada (@ada) (5550001)');
    expect(out).toMatch(/Проект: Backend \(acme\/backend\)/);
    expect(out).toContain('1. Telegram: отправить подтверждение в личный чат с Ada (@ada) (5550001) от @');
    expect(out).toContain('Sentry: без изменений (нет публичного URL)');
    expect(out).toMatch(/\.env: добавить SENTRY_ALERT_TELEGRAM_TOKEN, .* \(старый файл сохранён в резервной копии, права 0600/);
    expect(out).not.toContain('send a confirmation message');
    expect(out).toMatch(/Sentry: вход выполнен как jane@example\.com на http:/);
    expect(out).not.toContain('Chat: ');
  });

  it('SENTRY_TG_LOCALE=ru asks its questions in Russian (the mode question)', async () => {
    const { SENTRY_TG_MODE: _mode, ...env } = { ...w.env, SENTRY_TG_LOCALE: 'ru', SENTRY_TG_MODE: undefined };
    const prompts = scriptedPrompts([{ kind: 'select', match: /^Как Sentry будет вызывать sentry-tg\?$/, answer: 'integration' }]);
    const t = testContext({ cwd: w.dir, env, prompts });
    // The chat comes from the environment, so the only question before the plan is the mode;
    // the public URL question follows and is not scripted: the run stops there.
    await runMain(t, [...worldArgs(w), '--dry-run']);
    expect(prompts.asked[0]).toBe('select: Как Sentry будет вызывать sentry-tg?');
    expect(t.output()).toContain('sentry-tg setup: Telegram-бот → чат → Sentry → публичный URL.');
  });

  it('a non-interactive run without the chat says in Russian what is missing', async () => {
    const env: Record<string, string | undefined> = { ...w.env, LANG: 'ru_RU.UTF-8' };
    delete env.SENTRY_ALERT_CHAT_ID;
    const t = testContext({ cwd: w.dir, interactive: false, env });
    const code = await runMain(t, [...worldArgs(w), '--yes', '--dry-run', '--mode', 'integration', '--no-tunnel']);
    const out = t.output();
    expect(code, out).not.toBe(0);
    expect(out).toContain('Не хватает ответов (нет терминала, чтобы спросить):');
    expect(out).toContain('Передайте их флагами или переменными окружения');
    expect(out).not.toContain('Missing answers');
  });
});
