// Setup's work phase, after the plan was confirmed: may the bot post → tunnel → local receiver
// reachable → Sentry (plugin or integration, rules) → env file → confirmation and proof →
// summary → serve until Ctrl-C (or print the `serve` command). On a failure, what changed is
// printed and the answers are kept for a resumed run.
import { UserError } from '../../errors.js';
import { registerSecret } from '../../log/redact.js';
import { pluginCallbackUrl, WEBHOOK_PATH } from '../../receive/verify.js';
import type { Tunnel } from '../../tunnel/ngrok.js';
import { ownApp } from './own-app.js';
import { checkReachable, proveIntegration, provePlugin, startLocalReceiver, type LocalReceiver } from './prove.js';
import { openTunnel } from './public-url.js';
import { newSecret, type Answers } from './questions.js';
import { ensureRule, registerIntegration, registerPlugin } from './register.js';
import { keep, type Session } from './session.js';
import { removeState, saveState, stateName } from './state.js';
import { manualSteps, printChanges, serveCommand } from './summary.js';
import { checkCanPost, sendConfirmation } from './telegram.js';
import { joinUrl } from './url-check.js';
import { envUpdates, writeEnv } from './write-env.js';

function ruleWord(rule: { created: boolean; updated?: boolean }): string {
  return rule.created ? 'created' : rule.updated ? 'updated in place' : 'reused';
}

export async function applyPlan(s: Session, answers: Answers): Promise<number> {
  const { ctx } = s;
  const { bot, chat, mode, sentry, pub, frequency, secret } = answers;
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
      ctx.out.plain(s.t('setup.noPublicUrl'));
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
        keep(s, app.clientSecret ? { integration: app.slug, webhookSecret: app.clientSecret } : { integration: app.slug });
        saveState(s);
      });
      keep(s, { integration: outcome.app.slug });
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
      ctx.out.ok(s.t('setup.nothingToTell'));
    } else {
      await sendConfirmation(s, bot, target, about);
      if (mode === 'plugin') await provePlugin(s, local, sentry);
      else await proveIntegration(s, local, sentry, finalSecret);
    }

    removeState(s);
    printChanges(s);
  } catch (err) {
    if (s.changes.local.length > 0 || s.changes.remote.length > 0) printChanges(s, s.t('setup.changedBeforeError'));
    saveState(s);
    ctx.out.info(s.t('setup.keptState', { file: stateName(s) }));
    await cleanup();
    throw err;
  }

  ctx.out.plain('');
  const withTunnel = pub.kind === 'tunnel';
  if (s.flags.serve === false) {
    await cleanup();
    ctx.out.ok(s.t('setup.complete'));
    ctx.out.info(s.t('setup.startWith', { command: serveCommand(s, withTunnel) }));
    if (withTunnel) ctx.out.info(s.t('setup.tunnelChanges'));
    return 0;
  }
  ctx.out.ok(s.t('setup.serving', { url: `${local!.receiver.publicUrl}${WEBHOOK_PATH}`, chat: chat.label }));
  ctx.out.info(s.t('setup.pressCtrlC'));
  local!.gate.open = true;
  const signal = await ctx.untilSignal();
  ctx.out.info(s.t('setup.stopping', { signal }));
  await cleanup();
  ctx.out.info(s.t('setup.nextTime', { command: serveCommand(s, withTunnel) }));
  return 0;
}
