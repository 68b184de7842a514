// `sentry-tg setup`: preflight → every question → the plan (printed; --dry-run stops there) →
// the work → a summary of everything changed → serve until Ctrl-C (or print `serve`).
// Each step lives in its own module and gets the session, so the order reads top to bottom.
import { randomBytes } from 'node:crypto';
import type { Context } from '../../cli/context.js';
import type { Loaded } from '../../config/load.js';
import { CancelledError, UserError } from '../../errors.js';
import { registerSecret } from '../../log/redact.js';
import { pluginCallbackUrl, urlToken, WEBHOOK_PATH } from '../../receive/verify.js';
import type { Tunnel } from '../../tunnel/ngrok.js';
import { askChat, type ChatAnswer } from './chat.js';
import { gatherPlan, planLines, printPlan } from './plan.js';
import { preflight } from './preflight.js';
import { checkReachable, proveIntegration, provePlugin, startLocalReceiver, type LocalReceiver } from './prove.js';
import { askPublicUrl, openTunnel, type PublicChoice } from './public-url.js';
import { ensureRule, hadFrequency, registerIntegration, registerPlugin, type FrequencyWish } from './register.js';
import { askMode, askSentry, type SentryAnswer } from './sentry.js';
import { askIntegrationSecret, ownApp, type IntegrationSecret } from './own-app.js';
import { createSession, keep, type Session } from './session.js';
import { manualSteps, printChanges, serveCommand } from './summary.js';
import { askBot, checkCanPost, sendConfirmation } from './telegram.js';
import { envUpdates, writeEnv } from './write-env.js';
import { applyState, readState, removeState, saveState, stateName, statePath } from './state.js';
import { ensureGitIgnored } from '../../config/env-file.js';
import { joinUrl } from './url-check.js';

/** Stands in for the client secret of an integration that does not exist yet (plan only). */
const SECRET_FROM_NEW_APP = 'set-from-the-new-integration';

/** Who may press Resolve / Archive: offered from the people seen while finding the chat. */
async function askButtons(s: Session, chat: ChatAnswer): Promise<number[] | undefined> {
  if (s.settings.allowedUsers.length > 0 || !s.interactive || !chat.users?.length) return undefined;
  const names = chat.users.map((u) => `${u.name} (${u.id})`).join(', ');
  const yes = await s.ctx.prompts.confirm({
    message: `Let ${names} press Resolve / Archive under alerts? (the Sentry token then needs event:write)`,
    default: true,
  });
  return yes ? chat.users.map((u) => u.id) : undefined;
}

function ruleWord(rule: { created: boolean; updated?: boolean }): string {
  return rule.created ? 'created' : rule.updated ? 'updated in place' : 'reused';
}

function newSecret(): string {
  return randomBytes(32).toString('hex');
}

async function askFrequency(s: Session, pub: PublicChoice, sentry: SentryAnswer): Promise<FrequencyWish> {
  if (s.flags.frequencyRule !== undefined) return s.flags.frequencyRule;
  // Without an answer, an existing sentry-tg rule of either kind is kept as it is.
  if (!s.interactive || pub.kind === 'none') return 'any';
  // The last run's answer is the default: it lives in sentry-tg's own rule.
  const before = hadFrequency(await sentry.api.listRules(sentry.org, sentry.project));
  return s.ctx.prompts.confirm({ message: 'Also alert when an issue is seen more than 10 times in 1 minute?', default: before });
}

export async function setupCommand(ctx: Context, loaded: Loaded, flags: Record<string, unknown>): Promise<number> {
  const s = createSession(ctx, loaded, flags);
  const st = s.settings;
  const resumed = s.dryRun ? null : readState(statePath(s.envPath));
  if (resumed) {
    const taken = applyState(s, resumed);
    s.resumed = true;
    ctx.out.info(`Resuming the unfinished setup of ${resumed.savedAt || 'an earlier run'}: ${taken} answer(s) from ${stateName(s)} (delete it to start over).`);
    if (resumed.done.length > 0) ctx.out.info(`Done before it stopped: ${resumed.done.join('; ')}.`);
  }
  for (const secret of [st.telegramToken, st.sentryAuthToken, st.webhookSecret, st.ngrokAuthtoken]) registerSecret(secret);
  // Every answer is kept from the first one on, so that a failure or Ctrl-C never loses it.
  let guarded = false;
  const checkpoint = async () => {
    if (s.dryRun) return;
    saveState(s);
    if (!guarded) {
      guarded = true;
      await ensureGitIgnored(statePath(s.envPath), [stateName(s)]);
    }
  };

  keep(s, await preflight(s));
  ctx.out.info(
    s.interactive
      ? 'sentry-tg setup: Telegram bot → chat → Sentry → public URL. Nothing changes until you confirm the plan.'
      : 'sentry-tg setup (non-interactive): answers come from flags, the environment and the env file.',
  );

  // ---- questions (reads only) ----
  // Each step returns its answers; only this function keeps them (for the next steps, the
  // plan, and the state file a later run resumes from).
  const bot = await askBot(s);
  keep(s, { telegramToken: bot.token });
  await checkpoint();
  const chat = await askChat(s, bot);
  keep(s, { chatId: chat.chatId, topicId: chat.topicId });
  const allowedUsers = await askButtons(s, chat);
  if (allowedUsers) keep(s, { allowedUsers });
  await checkpoint();
  const mode = await askMode(s);
  keep(s, { mode });
  const sentry = await askSentry(s, mode);
  keep(s, { sentryUrl: sentry.baseUrl, sentryAuthToken: sentry.token, sentryOrg: sentry.org, sentryProject: sentry.projectSetting });
  await checkpoint();
  const pub = await askPublicUrl(s);
  if (pub.kind === 'url') keep(s, { publicUrl: pub.url });
  if (pub.kind === 'tunnel') keep(s, { ngrokAuthtoken: pub.authtoken });
  if (pub.port !== undefined) keep(s, { port: pub.port });
  await checkpoint();
  const frequency = await askFrequency(s, pub, sentry);

  let secret: string | undefined = st.webhookSecret;
  let integration: IntegrationSecret | undefined;
  if (mode === 'plugin') {
    secret ??= newSecret();
    // Kept, so that a resumed run builds the same callback URL.
    s.settings.webhookSecret = secret;
  } else if (pub.kind !== 'none') {
    integration = await askIntegrationSecret(s, sentry, pub.kind === 'url' ? joinUrl(pub.url, WEBHOOK_PATH) : undefined);
    if (integration.app) s.settings.integration = integration.app.slug;
    if (integration.secret) s.settings.webhookSecret = integration.secret;
    secret = integration.secret;
  }
  registerSecret(secret);
  // The plugin's URL token is as good as a password to the receiver: never print it...
  // ...except in the manual steps, where the user has to copy it.
  if (mode === 'plugin' && secret && pub.kind !== 'none') registerSecret(urlToken(secret));

  // ---- plan ----
  const planSecret = secret ?? (mode === 'integration' && pub.kind !== 'none' ? SECRET_FROM_NEW_APP : undefined);
  const plan = await gatherPlan(s, {
    botHandle: bot.handle,
    chat,
    pub,
    sentry,
    secret,
    ...(integration ? { integration } : {}),
    frequency,
    updates: envUpdates(s, pub, planSecret),
  });
  printPlan(s, planLines(plan));
  if (s.dryRun) {
    ctx.out.info('Dry run: nothing was changed.');
    return 0;
  }
  if (s.interactive && resumed?.confirmed) ctx.out.info('You confirmed this plan before: finishing it.');
  else if (s.interactive && !(await ctx.prompts.confirm({ message: 'Go ahead?', default: true }))) throw new CancelledError();
  saveState(s, { confirmed: true, ...(typeof frequency === 'boolean' ? { frequencyRule: frequency } : {}) });

  // ---- work ----
  const about = [sentry.project, ...sentry.moreProjects].map((p) => `${sentry.org}/${p}`).join(', ');
  let local: LocalReceiver | undefined;
  let tunnel: Tunnel | undefined;
  const cleanup = async () => {
    await local?.receiver.close();
    await tunnel?.close().catch(() => undefined);
  };
  try {
    const target = { chatId: chat.chatId, topicId: chat.topicId, label: chat.label };
    // Before anything changes: may the bot post there? (Posts nothing.)
    await checkCanPost(s, bot, target);
    // A re-run that changes nothing posts nothing: no confirmation, no test alert.
    const worthTelling = (written: { changed: string[] }) => s.flags.sendTest === true || written.changed.length > 0 || s.changes.remote.length > 0;

    if (pub.kind === 'none') {
      const written = await writeEnv(s, envUpdates(s, pub, secret));
      if (worthTelling(written)) await sendConfirmation(s, bot, target, about);
      removeState(s);
      printChanges(s);
      ctx.out.plain('');
      ctx.out.plain('No public URL yet. To finish by hand:');
      for (const line of manualSteps(s, mode, secret, sentry.org, sentry.project)) ctx.out.plain(`  ${line}`);
      return 0;
    }

    let publicUrl: string;
    if (pub.kind === 'tunnel') {
      tunnel = await openTunnel(s, pub.authtoken);
      publicUrl = tunnel.url.replace(/\/+$/, '');
    } else {
      publicUrl = pub.url;
    }

    // Before anything changes in Sentry: does the public URL reach a receiver on this machine?
    // A new integration's secret is not known yet, so a throwaway one guards this first start.
    let running = secret ?? newSecret();
    local = await startLocalReceiver(s, publicUrl, running);
    await checkReachable(s, publicUrl, pub.kind);

    const where = { org: sentry.org, project: sentry.project };
    const say = (line: string) => ctx.out.warn(line);
    let finalSecret: string;
    if (mode === 'plugin') {
      finalSecret = secret!;
      const callbackUrl = pluginCallbackUrl(publicUrl, finalSecret);
      const outcome = await registerPlugin(sentry.api, where, callbackUrl, frequency, s.changes, say);
      ctx.out.ok(
        `Sentry: WebHooks plugin ${outcome.enabled === 'now' ? 'enabled' : 'already enabled'}, callback URL ${outcome.urls.changed ? 'set' : 'already set'}, ` +
          `alert rule "${outcome.rule.name}" ${ruleWord(outcome.rule)}.`,
      );
      for (const project of sentry.moreProjects) {
        const more = await registerPlugin(sentry.api, { org: sentry.org, project }, callbackUrl, frequency, s.changes, say);
        ctx.out.ok(`Sentry: ${sentry.org}/${project}: WebHooks plugin and alert rule "${more.rule.name}" ${ruleWord(more.rule)}.`);
      }
    } else {
      const outcome = await registerIntegration(sentry.api, where, joinUrl(publicUrl, WEBHOOK_PATH), frequency, s.changes, say, ownApp(s, undefined), (app) => {
        // Saved at once: a Ctrl-C before the env file is written must not cost a second integration.
        s.settings.integration = app.slug;
        if (app.clientSecret) s.settings.webhookSecret = app.clientSecret;
        saveState(s);
      });
      s.settings.integration = outcome.app.slug;
      const resolved = outcome.secret ?? secret;
      if (!resolved) {
        throw new UserError(`Sentry did not show the client secret of integration "${outcome.app.slug}".`, 'Copy it from Sentry → Settings → Developer Settings and pass --webhook-secret.');
      }
      finalSecret = resolved;
      registerSecret(finalSecret);
      ctx.out.ok(`Sentry: internal integration "${outcome.app.slug}" ${outcome.action}, alert rule "${outcome.rule.name}" ${ruleWord(outcome.rule)}.`);
      for (const project of sentry.moreProjects) {
        const rule = await ensureRule(sentry.api, { org: sentry.org, project }, outcome.app.slug, frequency, s.changes, say);
        ctx.out.ok(`Sentry: ${sentry.org}/${project}: alert rule "${rule.name}" ${ruleWord(rule)}.`);
      }
    }

    const written = await writeEnv(s, envUpdates(s, pub, finalSecret));
    const tell = worthTelling(written);

    if (finalSecret !== running) {
      // The receiver must check signatures with the integration's real secret.
      await local.receiver.close();
      local = undefined;
      running = finalSecret;
      local = await startLocalReceiver(s, publicUrl, running);
    }

    if (!tell) {
      ctx.out.ok('Nothing changed: no confirmation or test alert was sent (pass --send-test to send them).');
    } else {
      await sendConfirmation(s, bot, target, about);
      if (mode === 'plugin') await provePlugin(s, local, sentry);
      else await proveIntegration(s, local, sentry, finalSecret);
    }

    removeState(s);
    printChanges(s);
  } catch (err) {
    if (s.changes.local.length > 0 || s.changes.remote.length > 0) printChanges(s, 'Changed before the error');
    saveState(s);
    ctx.out.info(`Your answers and what was done are kept in ${stateName(s)}: run \`sentry-tg setup\` again to finish without answering again.`);
    await cleanup();
    throw err;
  }

  ctx.out.plain('');
  const withTunnel = pub.kind === 'tunnel';
  if (s.flags.serve === false) {
    await cleanup();
    ctx.out.ok('Setup is complete.');
    ctx.out.info(`Start the receiver with: ${serveCommand(s, withTunnel)}`);
    if (withTunnel) ctx.out.info('The ngrok URL changes on each start: run `sentry-tg setup` again afterwards (it updates Sentry), or use --public-url with a fixed address.');
    return 0;
  }
  ctx.out.ok(`Setup is complete. Serving: Sentry → ${local!.receiver.publicUrl}${WEBHOOK_PATH} → ${chat.label}.`);
  ctx.out.info('Press Ctrl-C to stop.');
  local!.gate.open = true;
  const signal = await ctx.untilSignal();
  ctx.out.info(`Stopping (${signal})…`);
  await cleanup();
  ctx.out.info(`Next time start the receiver with: ${serveCommand(s, withTunnel)}`);
  return 0;
}
