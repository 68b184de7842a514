// Changes to issue messages that do not come from the outbox: a button press Sentry accepted,
// the archive menu opening or closing, and bot answers to commands. They wait per chat and are
// served before the chat's alerts (someone is waiting), in the same paced turn, so one chat's
// message is only ever changed by one call at a time.
import type { Menu, SentryAction } from '../issue/actions.js';
import { applyAction } from '../issue/state.js';
import { renderIssueMessage } from '../render/issue-message.js';
import type { SendParams } from '../telegram/types.js';
import type { DeliveryContext } from './context.js';
import { decideJobRetry, JOB_ATTEMPTS } from './failure-policy.js';
import type { IssueSync } from './issue-sync.js';
import { viewOfRow } from './message-rows.js';
import { classifyTelegramError } from './telegram-verdict.js';

/** A change to an issue message that does not come from the outbox. */
export type MessageChange =
  /** Sentry accepted a button press: show the new state and switch the buttons. */
  | { kind: 'action'; code: SentryAction; who: string; at: number; status?: string | null; substatus?: string | null }
  /** Open or close the archive durations. */
  | { kind: 'menu'; menu: Menu };

export type ChangeOutcome = 'edited' | 'resent' | 'unchanged' | 'gone' | 'failed' | 'stopped';
/** `dropped`: too many answers were already waiting for that chat. */
export type ReplyOutcome = 'sent' | 'failed' | 'stopped' | 'dropped';

/** A bot answer (to a command): sent in the chat's paced turn like any alert. */
interface Say {
  kind: 'say';
  params: Omit<SendParams, 'chat_id'>;
}

export interface Job {
  messageId: number;
  change: MessageChange | { kind: 'refresh' } | Say;
  attempts: number;
  notBefore: number;
  /** An update's promise gets ChangeOutcomes, an answer's ReplyOutcomes (see runSay). */
  done: (outcome: ChangeOutcome | ReplyOutcome) => void;
}

export type ButtonJobs = ReturnType<typeof createButtonJobs>;

/** `queued` is called whenever a job is added, so the scheduler looks again. */
export function createButtonJobs(ctx: DeliveryContext, sync: IssueSync, queued: () => void) {
  const { store, logger, status, now, random, pacer, backoff, actions, calls } = ctx;
  const { buttonsFor, keyOf, saveIssueMessage } = sync;
  const jobs = new Map<string, Job[]>();

  function queueJob(chatId: string, job: Job): void {
    const list = jobs.get(chatId) ?? [];
    list.push(job);
    jobs.set(chatId, list);
    queued();
  }

  function jobDueAt(chatId: string): number {
    const list = jobs.get(chatId);
    return list?.length ? Math.min(...list.map((j) => j.notBefore)) : Infinity;
  }

  function takeJob(chatId: string, at: number): Job | null {
    const list = jobs.get(chatId);
    const i = list ? list.findIndex((j) => j.notBefore <= at) : -1;
    if (!list || i < 0) return null;
    const [job] = list.splice(i, 1);
    if (list.length === 0) jobs.delete(chatId);
    return job!;
  }

  /** Sends a bot answer; a 429 puts it back in the queue, anything else is logged and given up. */
  async function runSay(chatId: string, job: Job, say: Say): Promise<void> {
    try {
      await calls.say(chatId, say.params);
      status.ok(now());
      job.done('sent');
    } catch (err) {
      const verdict = classifyTelegramError(err);
      const at = now();
      status.noteFailure(at, err);
      const retry = decideJobRetry(verdict, job.attempts, { backoff, random, rateLimitOnly: true });
      if (retry && verdict.kind === 'retry-after') {
        pacer.block(chatId, at + verdict.seconds * 1000);
        queueJob(chatId, { ...job, attempts: job.attempts + 1, notBefore: at });
        return;
      }
      logger.warn({ chatId, err: (err as Error).message }, 'could not answer a command');
      job.done('failed');
    }
  }

  async function runJob(chatId: string, job: Job): Promise<void> {
    if (job.change.kind === 'say') return runSay(chatId, job, job.change);
    const pressed = await store.message(chatId, job.messageId);
    // A press on an older message of the issue changes the newest one, which carries the state.
    const row = (pressed?.groupKey ? await store.messageForGroup(pressed.groupKey, chatId) : null) ?? pressed;
    if (!row || row.kind !== 'alert' || !row.issueId) return job.done('gone');
    const change = job.change;
    const key = await keyOf(chatId, row.messageId);
    // The message follows the route of the alert it shows (while retention keeps that row).
    const dest = ctx.destinationOf(chatId, row.alertId !== null ? ((await store.row(row.alertId))?.route ?? null) : null);

    if (change.kind === 'menu') {
      if (!key || !actions) return job.done('gone');
      try {
        const shown = await calls.setButtons(chatId, row.messageId, buttonsFor(viewOfRow(row), key, change.menu, dest));
        return job.done(shown ? 'edited' : 'gone');
      } catch (err) {
        logger.warn({ chatId, err: (err as Error).message }, 'could not switch the buttons');
        return job.done('failed');
      }
    }

    let view = viewOfRow(row);
    if (change.kind === 'action') {
      // Saved before Telegram is asked: the store says what Sentry says, whatever Telegram does.
      view = { ...view, state: applyAction(view.state, change, dest.locale) };
      await saveIssueMessage(row, view, row.messageId, now());
    }
    try {
      const messageId = await calls.editOrResend(chatId, row.messageId, row.threadId, renderIssueMessage(view, buttonsFor(view, key, 'main', dest), dest.locale, dest.template));
      if (messageId !== row.messageId) await saveIssueMessage((await store.message(chatId, row.messageId)) ?? row, view, messageId, now());
      status.ok(now());
      job.done(messageId === row.messageId ? 'edited' : 'resent');
    } catch (err) {
      const verdict = classifyTelegramError(err);
      const at = now();
      status.noteFailure(at, err);
      const retry = decideJobRetry(verdict, job.attempts, { backoff, random });
      if (!retry) {
        logger.warn({ chatId, messageId: row.messageId, err: (err as Error).message }, 'could not update the issue message; it will show the change on its next update');
        return job.done('failed');
      }
      if (verdict.kind === 'retry-after') pacer.block(chatId, at + verdict.seconds * 1000);
      queueJob(chatId, { ...job, change: { kind: 'refresh' }, attempts: job.attempts + 1, notBefore: at + retry.delayMs });
    }
  }

  return {
    queueJob,
    jobDueAt,
    takeJob,
    runJob,
    /** Chats with a job waiting, due or not. */
    chats: (): string[] => [...jobs.keys()],
    /** Bot answers waiting for this chat. */
    waitingAnswers: (chatId: string): number => (jobs.get(chatId) ?? []).filter((j) => j.change.kind === 'say').length,
    /**
     * At shutdown: Sentry already took these presses, so show them before going (once each,
     * within `timeoutMs`); menus and answers are dropped. Only this runs now, so the chats'
     * one-call-at-a-time rule still holds.
     */
    async finish(timeoutMs: number): Promise<void> {
      const drain = (async () => {
        for (const [chatId, list] of jobs) {
          for (let job = list.shift(); job; job = list.shift()) {
            if (job.change.kind === 'menu' || job.change.kind === 'say') job.done('stopped');
            else await runJob(chatId, { ...job, attempts: JOB_ATTEMPTS });
          }
        }
      })();
      await Promise.race([drain, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      for (const list of jobs.values()) for (const job of list) job.done('stopped');
      jobs.clear();
    },
  };
}
