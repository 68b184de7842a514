// `sentry-tg setup`: preflight → every question (questions.ts) → the plan (printed; --dry-run
// stops there) → the work (apply.ts), which ends in a summary and serving until Ctrl-C.
import type { Loaded } from '../../config/load.js';
import { ensureGitIgnored } from '../../config/env-file.js';
import { CancelledError } from '../../errors.js';
import { registerSecret } from '../../log/redact.js';
import { applyPlan } from './apply.js';
import { gatherPlan, planLines, printPlan } from './plan.js';
import { preflight } from './preflight.js';
import { askQuestions } from './questions.js';
import { createSession, keep, type SetupContext } from './session.js';
import { applyState, readState, saveState, stateName, statePath } from './state.js';
import { envUpdates } from './write-env.js';

/** Stands in for the client secret of an integration that does not exist yet (plan only). */
const SECRET_FROM_NEW_APP = 'set-from-the-new-integration';

export async function setupCommand(ctx: SetupContext, loaded: Loaded, flags: Record<string, unknown>): Promise<number> {
  if (flags.route === true) return (await import('./add-route.js')).addRouteCommand(ctx, loaded, flags);
  const s = createSession(ctx, loaded, flags);
  const st = s.settings;
  const resumed = s.dryRun ? null : readState(statePath(s.envPath));
  if (resumed) {
    const taken = applyState(s, resumed);
    s.resumed = true;
    ctx.out.info(s.t('setup.resuming', { when: resumed.savedAt || s.t('setup.resumingEarlier'), n: taken, file: stateName(s) }));
    if (resumed.done.length > 0) ctx.out.info(s.t('setup.doneBefore', { steps: resumed.done.join('; ') }));
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
    s.interactive ? s.t('setup.intro') : s.t('setup.introBatch'),
  );

  const answers = await askQuestions(s, checkpoint);
  const { bot, chat, mode, sentry, pub, frequency, secret, integration } = answers;

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
  printPlan(s, planLines(plan, s.t));
  if (s.dryRun) {
    ctx.out.info(s.t('setup.dryRun'));
    return 0;
  }
  if (s.interactive && resumed?.confirmed) ctx.out.info(s.t('setup.confirmedBefore'));
  else if (s.interactive && !(await ctx.prompts.confirm({ message: s.t('setup.goAhead'), default: true }))) throw new CancelledError();
  saveState(s, { confirmed: true, ...(typeof frequency === 'boolean' ? { frequencyRule: frequency } : {}) });

  return applyPlan(s, answers);
}
