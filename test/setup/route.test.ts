// `sentry-tg setup --route` against the fake Telegram and Sentry, through `main`: a route for
// another project is added to the routes file (created with the current chat as default, or
// appended with the user's comments and order kept), the project joins SENTRY_PROJECT, and the
// project gets the alert rule that sends to the existing integration (no new integration).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRoutes } from '../../src/route/routes-file.js';
import { createSentryApi, type SentryApi } from '../../src/sentry/api.js';
import { choose, makeWorld, PRIVATE_CHAT, runMain, scriptedPrompts, SENTRY_TOKEN, sentryWrites, testContext, TG_TOKEN, WEAK_SENTRY_TOKEN, type World } from './helpers.js';

const TEAM_CHAT = -1009100000001;
const NOTIFY = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';

let w: World;
let api: SentryApi;
let appSlug: string;

/** The .env a finished `sentry-tg setup` in integration mode leaves. */
function writeSetupEnv(extra: Record<string, string> = {}): void {
  const values: Record<string, string> = {
    SENTRY_ALERT_TELEGRAM_TOKEN: TG_TOKEN,
    SENTRY_ALERT_CHAT_ID: String(PRIVATE_CHAT),
    SENTRY_AUTH_TOKEN: SENTRY_TOKEN,
    SENTRY_ORG: 'acme',
    SENTRY_PROJECT: 'backend',
    SENTRY_URL: w.sentry.url,
    TELEGRAM_API_ROOT: w.tg.url,
    SENTRY_TG_MODE: 'integration',
    SENTRY_TG_INTEGRATION: appSlug,
    SENTRY_WEBHOOK_SECRET: 'route-test-secret-0123456789abcdef',
    ...extra,
  };
  writeFileSync(w.envFile, `${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`, { mode: 0o600 });
}

const routesPath = () => join(w.dir, 'sentry-tg.routes.yaml');
const args = () => ['--env-file', w.envFile, 'setup', '--route'];

beforeEach(async () => {
  w = await makeWorld({ pageSize: 10 });
  w.tg.addChat({ id: TEAM_CHAT, type: 'supergroup', title: 'Frontend team', isForum: true, topics: [5] });
  api = createSentryApi({ baseUrl: w.sentry.url, token: SENTRY_TOKEN });
  const app = await api.createInternalIntegration({
    org: 'acme',
    name: 'sentry-tg',
    webhookUrl: 'https://alerts.example.com/api/sentry-webhook',
    events: ['issue'],
    scopes: ['event:read'],
    isAlertable: true,
  });
  appSlug = app.slug;
});
afterEach(async () => {
  await w.close();
});

describe('setup --route', () => {
  it('asks project, chat (discovery) and locale; creates the routes file with the current chat as default', async () => {
    writeSetupEnv();
    w.tg.pushMessage(TEAM_CHAT, '/start', { threadId: 5 });
    const prompts = scriptedPrompts([
      { kind: 'select', match: /Which project should get its own route/, answer: choose(/Frontend/) },
      { kind: 'select', match: /Which chat should receive the alerts/, answer: choose(/Frontend team.*topic/) },
      { kind: 'select', match: /Language of its messages/, answer: 'ru' },
      { kind: 'confirm', match: /Go ahead/, answer: true },
    ]);
    const t = testContext({ cwd: w.dir, prompts });
    const integrationsBefore = (await api.listSentryApps('acme')).length;
    const code = await runMain(t, args(), { chatWaitMs: 3000 });
    expect(prompts.remaining()).toEqual([]);
    expect(code).toBe(0);

    const text = readFileSync(routesPath(), 'utf8');
    const config = loadRoutes(text, 'sentry-tg.routes.yaml');
    expect(config.default).toEqual({ chatId: String(PRIVATE_CHAT) });
    expect(config.routes).toEqual([
      { name: 'frontend', match: { project: ['frontend'] }, chatId: String(TEAM_CHAT), topicId: 5, locale: 'ru', continue: false },
    ]);
    expect(parseDotenv(readFileSync(w.envFile)).SENTRY_PROJECT).toBe('backend,frontend');
    // The existing integration is reused: a rule in the new project, no new integration.
    expect((await api.listSentryApps('acme')).length).toBe(integrationsBefore);
    const rules = await api.listRules('acme', 'frontend');
    expect(rules.some((r) => r.actions.some((a) => a.id === NOTIFY && (a as { service?: string }).service === appSlug))).toBe(true);
    const out = t.output();
    expect(out).toContain(`Created sentry-tg.routes.yaml with the default chat ${PRIVATE_CHAT} and route "frontend": frontend → group "Frontend team" (${TEAM_CHAT}), topic`);
    expect(out).toContain('Added frontend to SENTRY_PROJECT in .env.');
    expect(out).toMatch(/Next: restart `sentry-tg serve[^`]*` so it reads sentry-tg\.routes\.yaml/);
  });

  it('non-interactive: appends to an existing file keeping comments and order; a second run adds nothing', async () => {
    writeSetupEnv({ SENTRY_PROJECT: '' });
    const original = [
      '# Routes of Acme',
      'default:',
      `  chat: "${PRIVATE_CHAT}" # the on-call chat`,
      'routes:',
      '  # backend first',
      '  - name: backend',
      '    match: { project: backend }',
      `    chat: "${PRIVATE_CHAT}"`,
      '',
    ].join('\n');
    writeFileSync(routesPath(), original);
    const flags = ['--yes', '--project', 'worker', '--chat-id', String(TEAM_CHAT), '--topic-id', '5'];
    const t = testContext({ cwd: w.dir, interactive: false });
    expect(await runMain(t, [...args(), ...flags])).toBe(0);

    const text = readFileSync(routesPath(), 'utf8');
    expect(text.startsWith(original.trimEnd())).toBe(true);
    expect(text).toContain('# the on-call chat');
    expect(text).toContain('# backend first');
    const config = loadRoutes(text, 'routes');
    expect(config.routes.map((r) => [r.name, r.chatId, r.topicId])).toEqual([
      ['backend', String(PRIVATE_CHAT), undefined],
      ['worker', String(TEAM_CHAT), 5],
    ]);
    // No scope in .env (every project): nothing to add there; the env chat is unchanged.
    const env = parseDotenv(readFileSync(w.envFile));
    expect(env.SENTRY_PROJECT).toBe('');
    expect(env.SENTRY_ALERT_CHAT_ID).toBe(String(PRIVATE_CHAT));

    const again = testContext({ cwd: w.dir, interactive: false });
    const writes = sentryWrites(w).length;
    expect(await runMain(again, [...args(), ...flags])).toBe(0);
    expect(readFileSync(routesPath(), 'utf8')).toBe(text);
    expect(again.output()).toContain('A route for project worker to group "Frontend team"');
    expect(sentryWrites(w).length).toBe(writes);
  });

  it('without an answer for the project and no terminal: a message naming the flag, nothing written', async () => {
    writeSetupEnv();
    const t = testContext({ cwd: w.dir, interactive: false });
    expect(await runMain(t, [...args(), '--yes', '--chat-id', String(TEAM_CHAT)])).not.toBe(0);
    expect(t.output()).toContain('Missing answer: --project');
    expect(existsSync(routesPath())).toBe(false);
  });

  it('a broken routes file is reported with file:line and left as it is', async () => {
    writeSetupEnv();
    const broken = `routes:\n  - name: a\n    chat: "${PRIVATE_CHAT}"\n    mtach: {}\n`;
    writeFileSync(routesPath(), broken);
    const t = testContext({ cwd: w.dir, interactive: false });
    expect(await runMain(t, [...args(), '--yes', '--project', 'worker', '--chat-id', String(TEAM_CHAT)])).not.toBe(0);
    expect(t.output()).toContain('sentry-tg.routes.yaml:4:');
    expect(readFileSync(routesPath(), 'utf8')).toBe(broken);
  });

  it('Sentry refusing the alert rule: the route is still added, the refusal and what to do are said', async () => {
    writeSetupEnv({ SENTRY_AUTH_TOKEN: WEAK_SENTRY_TOKEN });
    const t = testContext({ cwd: w.dir, interactive: false });
    expect(await runMain(t, [...args(), '--yes', '--project', 'worker', '--chat-id', String(TEAM_CHAT)])).toBe(0);
    expect(loadRoutes(readFileSync(routesPath(), 'utf8'), 'r').routes.map((r) => r.name)).toEqual(['worker']);
    expect(await api.listRules('acme', 'worker')).toEqual([]);
    expect(t.output()).toContain('create an alert rule for worker yourself');
    expect(t.output()).toContain('Summary of changes:');
  });

  it('--dry-run says what it would add and changes nothing', async () => {
    writeSetupEnv();
    const t = testContext({ cwd: w.dir, interactive: false });
    expect(await runMain(t, [...args(), '--yes', '--dry-run', '--project', 'worker', '--chat-id', String(TEAM_CHAT)])).toBe(0);
    expect(t.output()).toContain('Dry run: would add route "worker" to sentry-tg.routes.yaml');
    expect(existsSync(routesPath())).toBe(false);
    expect(parseDotenv(readFileSync(w.envFile)).SENTRY_PROJECT).toBe('backend');
    // Only the integration this test's setup created: the run itself wrote nothing.
    expect(sentryWrites(w)).toEqual(['POST /api/0/sentry-apps/']);
  });

  it('in Russian (LANG=ru_RU.UTF-8): what it did and the next step', async () => {
    writeSetupEnv();
    const t = testContext({ cwd: w.dir, interactive: false, env: { LANG: 'ru_RU.UTF-8' } });
    expect(await runMain(t, [...args(), '--yes', '--project', 'worker', '--chat-id', String(TEAM_CHAT)])).toBe(0);
    const out = t.output();
    expect(out).toContain('sentry-tg setup --route: маршрут для ещё одного проекта');
    expect(out).toContain(`Создан sentry-tg.routes.yaml с чатом по умолчанию ${PRIVATE_CHAT} и маршрутом «worker»`);
    expect(out).toContain('worker добавлен в SENTRY_PROJECT в .env.');
    expect(out).toContain('Sentry: в acme/worker создано правило алертов');
    expect(out).toMatch(/Дальше: перезапустите `sentry-tg serve[^`]*`, чтобы он прочитал sentry-tg\.routes\.yaml/);
    expect(out).toContain('Что изменено:');
  });
});
