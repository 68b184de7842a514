// One step for one chat: one Telegram call's worth of work. A waiting button job first; else
// the chat's waiting alerts are planned and the first piece of work is done (a digest, a new
// message, an edit); a failure goes through the failure policy.
import type { IssuePlan } from '../issue/plan.js';
import type { MessageRow, PendingRow } from '../store/store.js';
import type { ButtonJobs } from './button-jobs.js';
import type { DeliveryContext } from './context.js';
import type { Digests } from './digests.js';
import { decideFailure, type FailurePolicy } from './failure-policy.js';
import type { IssueSync } from './issue-sync.js';
import type { Planner, Unit } from './planning.js';
import { NotThisReplicaError } from './replicas.js';
import { classifyTelegramError } from './telegram-verdict.js';

/** The alerts one call carries, and the message it updates (if any). */
interface Involved {
  rows: PendingRow[];
  existing: MessageRow | null;
}

export interface ChatRoundParts {
  planner: Planner;
  sync: IssueSync;
  digests: Digests;
  jobs: ButtonJobs;
}

export function createChatRound(
  ctx: DeliveryContext,
  { planner, sync, digests, jobs }: ChatRoundParts,
  opts: { batchSize: number; giveUpAfterMs: number },
) {
  const { store, logger, status, now, random, pacer, backoff, storm } = ctx;
  const { batchSize } = opts;
  const policy: FailurePolicy = { giveUpAfterMs: opts.giveUpAfterMs, backoff, random };

  /** One Telegram call's worth of work for one chat. */
  async function serveChat(chatId: string): Promise<void> {
    const movedTo = await store.migratedTo(chatId);
    if (movedTo) {
      await store.migrateChat(chatId, movedTo, now());
      return;
    }
    const at = now();
    const job = jobs.takeJob(chatId, at);
    if (job) {
      try {
        await jobs.runJob(chatId, job);
      } catch (err) {
        logger.error({ err, chatId }, 'could not apply a change to an issue message');
        job.done('failed');
      }
      return;
    }

    const rows = await store.pendingFor(chatId, at, batchSize);
    if (rows.length === 0) return;
    const units: Unit[] = [];
    const shortIdMutes = (await store.activeMutes(at)).some((m) => m.chatId === chatId && m.issueId === null);
    for (const unit of await planner.unitsOf(chatId, rows, at)) {
      if (unit.groupKey) {
        const p = await planner.plan(chatId, unit, at, shortIdMutes);
        if (p === null) continue;
        if (p) unit.plan = p;
      }
      units.push(unit);
    }
    if (units.length === 0) return;

    const sends = units.filter((u) => !u.groupKey || u.plan?.do === 'send');
    // A regression always gets its own message (it replies to the old one and takes the
    // buttons); first alerts and late repeats may share a digest when the chat is flooded.
    const fresh = sends.filter((u) => !(u.plan?.do === 'send' && u.plan.regression));
    const updates = units.filter((u) => u.plan?.do === 'edit' || u.existing?.kind === 'digest');

    let involved: Involved[];
    let work: () => Promise<void>;
    if (fresh.length > 1 && fresh.length * pacer.gapMs(chatId) > storm.digestAfterMs) {
      const digested = fresh.slice(0, storm.digestMaxLines);
      involved = digested.map((u) => ({ rows: u.rows, existing: null }));
      work = () => digests.sendDigest(chatId, digested);
    } else if (sends.length) {
      const u = sends[0]!;
      const p = u.plan;
      if (p?.do === 'send') {
        involved = [{ rows: u.rows.slice(0, p.take), existing: null }];
        work = () => sync.sendIssue(chatId, u, p);
      } else {
        involved = [{ rows: u.rows, existing: null }];
        work = () => sync.sendPlain(chatId, u);
      }
    } else {
      const u = updates[0]!;
      const target = u.existing!;
      if (target.kind === 'digest') {
        const same = updates.filter((x) => x.existing?.messageId === target.messageId);
        involved = same.map((x) => ({ rows: x.rows, existing: target }));
        work = () => digests.updateDigest(chatId, same, target);
      } else {
        const p = u.plan as Extract<IssuePlan, { do: 'edit' }>;
        involved = [{ rows: u.rows.slice(0, p.take), existing: target }];
        work = () => sync.editIssue(chatId, u, p);
      }
    }

    try {
      await work();
      status.ok(now());
    } catch (err) {
      // Another replica has the chat now (or the database is away): it carries on from the
      // rows as they are; nothing is written here.
      if (err instanceof NotThisReplicaError) {
        logger.warn({ chatId, err: err.message }, 'stopped serving the chat: it is not this replica\'s now');
        return;
      }
      await handleFailure(chatId, involved, err);
    }
  }

  /** Applies the failure policy to the alerts a failed call carried. */
  async function handleFailure(chatId: string, units: Involved[], err: unknown): Promise<void> {
    const verdict = classifyTelegramError(err);
    const rows = units.flatMap((u) => u.rows);
    const ids = rows.map((r) => r.id);
    const at = now();
    const detail = err instanceof Error ? err.message : String(err);
    status.noteFailure(at, err);
    const decision = decideFailure(verdict, rows, detail, at, policy);
    switch (decision.do) {
      case 'wait':
        pacer.block(chatId, at + decision.seconds * 1000);
        await store.noteAttempt(ids[0]!, 'rate-limited', `retry after ${decision.seconds} s`, at);
        logger.warn({ chatId, retryAfterSeconds: decision.seconds }, 'Telegram asked us to slow down');
        return;
      case 'migrate':
        await store.migrateChat(chatId, String(decision.newChatId), at);
        logger.warn({ chatId, newChatId: decision.newChatId }, 'the group became a supergroup: resending there; update SENTRY_ALERT_CHAT_ID');
        return;
      case 'drop-thread':
        await store.dropThread(chatId, decision.threadId);
        logger.warn(
          { chatId, threadId: decision.threadId },
          decision.closed
            ? 'the forum topic is closed: sending to the General topic; reopen it or change SENTRY_ALERT_TOPIC_ID'
            : 'the forum topic is gone: sending to the General topic; fix SENTRY_ALERT_TOPIC_ID',
        );
        return;
      case 'forget-messages':
        for (const u of units) if (u.existing) await store.forgetMessage(chatId, u.existing.messageId);
        logger.info({ chatId }, 'the message to update was deleted: a new one will be sent');
        return;
      case 'retry':
        await store.retryLater(ids, at + decision.delayMs, detail, at);
        logger.warn({ chatId, err: detail, retryInMs: decision.delayMs, alerts: ids.length }, 'Telegram unreachable: will retry');
        return;
      case 'park':
        await store.park(ids, decision.reason, at);
        if (decision.gaveUp) logger.error({ chatId, alerts: ids.length, err: detail }, 'UNDELIVERABLE: gave up retrying');
        else logger.error({ chatId, alerts: ids, reason: decision.reason }, 'UNDELIVERABLE: Telegram refused the alert and retrying will not help');
        return;
    }
  }

  return serveChat;
}
