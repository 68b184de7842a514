// doctor with a routes file, end to end through `main` against the fakes: every route's chat
// and topic is probed (each result names its route), a broken file fails with file:line, and
// routes no alert could match are a warning.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT_ID, runCli, startHealthy, TOPIC_ID, writeEnv, type Healthy } from './harness.js';

let h: Healthy | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FRONTEND_CHAT = -1009000000001;
const READONLY_CHAT = -1009000000002;
const PRIVATE_USER = 5550123;

function writeRoutes(dir: string, text: string, name = 'sentry-tg.routes.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `# three teams
default:
  chat: "${CHAT_ID}"
routes:
  - name: backend
    match: { project: backend }
    chat: "${CHAT_ID}"
    topic: ${TOPIC_ID}
  - name: frontend
    match: { project: backend, level: error }
    chat: "${FRONTEND_CHAT}"
`;

describe('doctor with a routes file', () => {
  it('probes every route and the default; a route the bot cannot post to fails with its name and fix', async () => {
    h = await startHealthy('plugin');
    h.tg.addChat({ id: FRONTEND_CHAT, type: 'supergroup', title: 'Frontend' });
    h.tg.addChat({ id: READONLY_CHAT, type: 'supergroup', title: 'Read-only', botStatus: 'restricted', canSendMessages: false });
    writeRoutes(
      h.dir,
      `${GOOD}  - name: ops
    match: { environment: production }
    chat: "${READONLY_CHAT}"
  - name: missing-topic
    match: { environment: staging }
    chat: "${CHAT_ID}"
    topic: 999
  - name: nobody
    match: { environment: dev }
    chat: "${PRIVATE_USER}"
`,
    );
    const { code, report } = await h.doctor();
    expect(code).toBe(1);
    const byId = (id: string) => h!.check(report.checks, id);
    expect(byId('routes-file')).toMatchObject({ status: 'ok', detail: 'sentry-tg.routes.yaml: 5 route(s) and a default chat' });
    expect(byId('route:backend')).toMatchObject({ status: 'ok', title: 'Route "backend"', detail: `chat ${CHAT_ID}, topic ${TOPIC_ID}: the bot may post there` });
    expect(byId('route:frontend')).toMatchObject({ status: 'ok', detail: `chat ${FRONTEND_CHAT}: the bot may post there` });
    expect(byId('route-default')).toMatchObject({ status: 'ok' });
    expect(byId('route:ops')).toMatchObject({ status: 'fail', title: 'Route "ops"' });
    expect(byId('route:ops').detail).toContain('the bot may not send messages in this chat');
    expect(byId('route:ops').fix).toMatch(/Give the bot the right to send messages.*\(route "ops" in sentry-tg\.routes\.yaml\)$/);
    expect(byId('route:missing-topic')).toMatchObject({ status: 'fail', detail: `chat ${CHAT_ID}, topic 999: the bot cannot post: the forum topic does not exist` });
    expect(byId('route:nobody')).toMatchObject({ status: 'fail' });
    expect(byId('route:nobody').detail).toContain(`chat ${PRIVATE_USER}`);
    // The probe posts nothing.
    expect(h.tg.messagesIn(CHAT_ID)).toEqual([]);
    // frontend is narrower than backend above it (same project, and a level): it never matches.
    expect(byId('routes-reach')).toMatchObject({
      status: 'warn',
      detail: 'route "frontend" never matches: route "backend" above matches every alert it would and does not continue',
    });
  });

  it('a healthy routes file adds only ok checks; without one, there are no routes checks at all', async () => {
    h = await startHealthy('plugin');
    h.tg.addChat({ id: FRONTEND_CHAT, type: 'supergroup', title: 'Frontend' });
    const before = await h.doctor();
    expect(before.report.checks.filter((c) => c.id.startsWith('route'))).toEqual([]);

    writeRoutes(h.dir, GOOD.replace('project: backend, level: error', 'project: web'));
    const { code, report } = await h.doctor();
    expect(code).toBe(0);
    const routeChecks = report.checks.filter((c) => c.id.startsWith('route'));
    expect(routeChecks.map((c) => [c.id, c.status])).toEqual([
      ['routes-file', 'ok'],
      ['route:backend', 'ok'],
      ['route:frontend', 'ok'],
      ['route-default', 'ok'],
      // SENTRY_PROJECT=backend: the web route can never match.
      ['routes-reach', 'warn'],
    ]);
    expect(h.check(report.checks, 'routes-reach').detail).toBe(
      'route "frontend" never matches: project(s) web are not in SENTRY_PROJECT, so the receiver drops their alerts',
    );
  });

  it('a broken routes file is a failed check listing every problem with file:line', async () => {
    h = await startHealthy('plugin');
    writeRoutes(h.dir, `routes:\n  - name: a\n    chat: "${CHAT_ID}"\n    match: { levl: error }\n  - name: a\n    chat: "${CHAT_ID}"\n`, 'team.routes.yaml');
    const { code, report } = await h.doctor(['--routes', 'team.routes.yaml']);
    expect(code).toBe(1);
    const c = h.check(report.checks, 'routes-file');
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('team.routes.yaml:4:');
    expect(c.detail).toContain('did you mean "level"?');
    expect(c.detail).toContain('team.routes.yaml:5:');
    expect(c.detail).toContain('names must be unique');
    expect(c.fix).toBe('Fix them in team.routes.yaml: `sentry-tg serve` refuses to start with a broken routes file');
  });

  it('SENTRY_TG_ROUTES naming a missing file fails; a catch-all route warns once about what it hides', async () => {
    h = await startHealthy('plugin');
    writeEnv(h.envFile, { ...h.env, SENTRY_TG_ROUTES: 'nope.yaml' });
    const missing = await h.doctor();
    expect(h.check(missing.report.checks, 'routes-file')).toMatchObject({ status: 'fail', detail: 'nope.yaml does not exist (SENTRY_TG_ROUTES names it)' });

    writeRoutes(h.dir, `routes:\n  - name: all\n    chat: "${CHAT_ID}"\n  - name: backend\n    match: { project: backend }\n    chat: "${CHAT_ID}"\n`, 'nope.yaml');
    const calls = h.tg.callsTo('sendChatAction').length;
    const { report } = await h.doctor();
    expect(h.check(report.checks, 'routes-file').status).toBe('ok');
    expect(h.check(report.checks, 'route:all').status).toBe('ok');
    expect(h.check(report.checks, 'route:backend').status).toBe('ok');
    // Both routes post to the main chat: it is probed once for them, once by telegram-chat.
    expect(h.tg.callsTo('sendChatAction').length - calls).toBe(2);
    expect(h.check(report.checks, 'routes-reach')).toMatchObject({
      status: 'warn',
      detail: 'route "backend" never matches: route "all" above matches every alert it would and does not continue',
    });
  });

  it('integration mode: a route on a resource the integration does not subscribe to warns', async () => {
    h = await startHealthy('integration');
    writeRoutes(h.dir, `routes:\n  - name: talk\n    match: { resource: comment }\n    chat: "${CHAT_ID}"\n`);
    const { report } = await h.doctor();
    expect(h.check(report.checks, 'routes-reach')).toMatchObject({
      status: 'warn',
      detail: 'route "talk" never matches: the integration does not subscribe to comment',
    });
  });
});

describe('doctor in Russian', () => {
  it('SENTRY_TG_LOCALE=ru: titles, results, fixes and the summary are Russian; Sentry names stay as they are', async () => {
    h = await startHealthy('plugin');
    writeRoutes(h.dir, `routes:\n  - name: backend\n    match: { project: web }\n    chat: "${CHAT_ID}"\n`);
    const { code, stdout } = await runCli(h.dir, ['--env-file', h.envFile, 'doctor', '--timeout', '3'], { LANG: 'ru_RU.UTF-8' });
    expect(code).toBe(0);
    expect(stdout).toContain('Настройки: ');
    expect(stdout).toContain('Какие проекты публикуются: публикуются алерты только проекта backend');
    expect(stdout).toContain(`Маршрут «backend»: чат ${CHAT_ID}: бот может туда писать`);
    expect(stdout).toContain('Достижимость маршрутов: маршрут «backend» никогда не сработает: проектов web нет в SENTRY_PROJECT');
    expect(stdout).toMatch(/Doctor: в порядке \d+, предупреждений 1, ошибок 0, пропущено \d+/);
    expect(stdout).toMatch(/Токен Telegram-бота: действителен: @\S+ \(id \d+\)/);
    expect(stdout).toMatch(/Чат Telegram: .+, бот — .+ и может писать/);
    expect(stdout).toMatch(/\.env вне git: .*(не в git-репозитории|не отслеживается git|git не установлен)/);
    expect(stdout).not.toContain('Configuration:');
    expect(stdout).not.toContain('and may post');
    expect(stdout).toMatch(/Приёмник: http:\/\/127\.0\.0\.1:\d+ отвечает: ok, версия \S+, работает \d+ с/);
    expect(stdout).toMatch(/Публичный URL: http:\/\/127\.0\.0\.1:\d+ ведёт на этот приёмник/);
    expect(stdout).toContain('Последние доставки: алерты ещё не доставлялись, ошибок нет');
    expect(stdout).toContain('Тема форума: пропущено, SENTRY_ALERT_TOPIC_ID не задан');
    expect(stdout).toMatch(/Токен Sentry: действителен для jane@example\.com на http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/Вебхук Sentry: плагин WebHooks проекта acme\/backend вызывает http:\S+\/api\/sentry-webhook\/<token>/);
    expect(stdout).toContain('Правило алертов Sentry: правило "Send to Telegram" отправляет в плагин WebHooks');
    expect(stdout).toContain('Секрет интеграции Sentry: пропущено, у плагина WebHooks нет секрета клиента');
  });
});
