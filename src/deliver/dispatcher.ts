// Delivers the outbox. Per chat one Telegram call at a time, paced under Telegram's limits;
// each Sentry issue has one message that repeats and lifecycle webhooks keep in sync (a
// regression starts a new one that replies to the old); a backlog of distinct alerts becomes
// digests. Every accepted alert ends in some message (its own, a counter, a digest line), is
// counted as muted, or is parked with a reason a human can read in /health — never retried
// forever, never dropped. Button presses change issue messages through here too, so one
// chat's message is only ever changed by one call at a time.
//
// This module is the scheduler (which chat is served when) and the public API. The work is
// split by job: chat-round.ts (one step for one chat), planning.ts, issue-sync.ts, digests.ts,
// button-jobs.ts, calls.ts (Telegram calls with their fallbacks) and failure-policy.ts (pure).
import { randomBytes } from 'node:crypto';
import type { Locale } from '../i18n/index.js';
import { KEY_LENGTH } from '../issue/actions.js';
import type { Logger } from '../log/logger.js';
import type { RoutesConfig } from '../route/config.js';
import type { AsyncStore, ReplicaCoordination } from '../store/async-store.js';
import type { TelegramStatus } from '../telegram/reachability.js';
import type { SendParams } from '../telegram/types.js';
import { createButtonJobs, type ChangeOutcome, type MessageChange, type ReplyOutcome } from './button-jobs.js';
import { createTelegramCalls, type CallsOptions } from './calls.js';
import { createChatRound } from './chat-round.js';
import { DEFAULT_STORM, type ActionsConfig, type DeliveryContext, type StormConfig } from './context.js';
import { destinationsOf } from './destinations.js';
import { createDigests } from './digests.js';
import { createIssueSync } from './issue-sync.js';
import { createPacer, DEFAULT_BACKOFF, DEFAULT_PACING, type BackoffConfig, type PacingConfig } from './pacing.js';
import { createPlanner } from './planning.js';
import { sharedGate } from './replicas.js';
import { createTurns } from './turns.js';

export { DEFAULT_STORM, type ActionsConfig, type StormConfig } from './context.js';
export type { ChangeOutcome, MessageChange, ReplyOutcome } from './button-jobs.js';

export interface DispatcherOptions {
  store: AsyncStore;
  /** editMessageReplyMarkup is needed only with `actions` (buttons move and switch). */
  telegram: CallsOptions['telegram'];
  logger: Logger;
  status: TelegramStatus;
  now?: () => number;
  random?: () => number;
  pacing?: Partial<PacingConfig>;
  backoff?: Partial<BackoffConfig>;
  storm?: Partial<StormConfig>;
  /** Transient failures are retried this long, then the alert is parked. */
  giveUpAfterMs?: number;
  /** Rows read per chat per round. */
  batchSize?: number;
  /** Null or absent: messages get only the "View in Sentry" link button. */
  actions?: ActionsConfig | null;
  /** The short key a message's buttons carry in callback_data. */
  newKey?: () => string;
  /** The language of messages, buttons and status lines (SENTRY_TG_LOCALE); English when absent. */
  locale?: Locale;
  /**
   * Replicas sharing the database (PostgreSQL): each chat is served only under this replica's
   * lease, and each call takes a bot-wide send slot (see replicas.ts). Null: one process.
   */
  replicas?: ReplicaCoordination | null;
  /** How long a chat lease lasts without renewal (a dead replica's chats wait this long). */
  chatLeaseMs?: number;
  /** Called after each round for a chat (the queue may have changed). */
  onRound?: () => void;
  /** How often the outbox is re-read (default 30 s; 1.5 s with replicas, whose webhooks land elsewhere too). */
  rescanMs?: number;
  /** The routes: each target's locale, template set and quiet hours (see destinations.ts). */
  routes?: RoutesConfig;
}

// Answers beyond this many waiting for one chat are dropped: a flood of /status must not hold
// the chat's alerts back for minutes (each answer takes one of the group's 20 calls a minute).
const MAX_WAITING_REPLIES = 10;
// The outbox is re-read this often to heal any drift of the in-memory due times. With replicas,
// webhooks that landed on another replica are found this way, so it is short.
const RESCAN_MS = 30_000;
const REPLICA_RESCAN_MS = 1500;
export const DEFAULT_CHAT_LEASE_MS = 20_000;

function newKey(): string {
  return randomBytes(16).toString('base64url').slice(0, KEY_LENGTH);
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

export function createDispatcher(opts: DispatcherOptions) {
  const now = opts.now ?? Date.now;
  const pacing = { ...DEFAULT_PACING, ...opts.pacing };
  const pacer = createPacer(pacing);
  let stopped = true;
  let wakeUp: (() => void) | null = null;
  // A wake that came while the loop was busy (not waiting): the loop looks again at once.
  let woken = false;
  const replicas = opts.replicas ?? null;
  const chatLeaseMs = opts.chatLeaseMs ?? DEFAULT_CHAT_LEASE_MS;
  const rescanMs = opts.rescanMs ?? (replicas ? REPLICA_RESCAN_MS : RESCAN_MS);
  // Chats whose lease this replica may hold (released after each round and at stop), and those
  // in a round now.
  const held = new Set<string>();
  const inRound = new Set<string>();
  // Every call into a chat goes through `paced` (see turns.ts).
  const turns = createTurns({
    pacer,
    now,
    stopping: () => stopped,
    beforeCall: replicas ? sharedGate(replicas, pacing, chatLeaseMs, now, held, inRound) : null,
  });
  const ctx: DeliveryContext = {
    store: opts.store,
    logger: opts.logger,
    status: opts.status,
    now,
    random: opts.random ?? Math.random,
    pacer,
    backoff: { ...DEFAULT_BACKOFF, ...opts.backoff },
    storm: { ...DEFAULT_STORM, ...opts.storm },
    actions: opts.actions ?? null,
    newKey: opts.newKey ?? newKey,
    locale: opts.locale ?? 'en',
    destinationOf: destinationsOf(opts.routes, opts.locale ?? 'en'),
    calls: createTelegramCalls({ telegram: opts.telegram, paced: turns.paced, logger: opts.logger }),
  };
  const { store, logger } = ctx;
  const planner = createPlanner(ctx);
  const sync = createIssueSync(ctx, planner);
  const digests = createDigests(ctx, planner);
  const jobs = createButtonJobs(ctx, sync, () => wakeUp?.());
  const serveChat = createChatRound(ctx, { planner, sync, digests, jobs }, {
    batchSize: opts.batchSize ?? 2000,
    giveUpAfterMs: opts.giveUpAfterMs ?? 24 * 60 * 60_000,
  });

  // When each chat next has work, kept in memory so waking costs no query; the database is
  // re-read at start and every RESCAN_MS to heal any drift.
  const due = new Map<string, number>();
  // Chats another replica serves: tried again after this time.
  const elsewhereUntil = new Map<string, number>();
  // Bumped by every wake, so a read of the outbox that raced a wake does not undo it.
  const wokenSeq = new Map<string, number>();
  let seq = 0;
  let lastRescan = -Infinity;
  const inFlight = new Set<string>();
  const running = new Set<Promise<void>>();
  let loopDone: Promise<void> = Promise.resolve();

  /** Starts work for every chat that may be served now; returns when to look again. */
  async function schedule(): Promise<number> {
    const at = now();
    if (at - lastRescan >= rescanMs) {
      lastRescan = at;
      const since = seq;
      const chats = await store.dueChats();
      const recent = [...due].filter(([chatId]) => (wokenSeq.get(chatId) ?? 0) > since);
      due.clear();
      for (const { chatId, dueAt } of chats) due.set(chatId, dueAt);
      for (const [chatId, dueAt] of recent) due.set(chatId, Math.min(due.get(chatId) ?? Infinity, dueAt));
    }
    let next = lastRescan + rescanMs;
    for (const chatId of new Set([...due.keys(), ...jobs.chats()])) {
      if (inFlight.has(chatId)) continue;
      const dueAt = Math.min(due.get(chatId) ?? Infinity, jobs.jobDueAt(chatId));
      if (dueAt === Infinity) continue;
      const readyAt = Math.max(dueAt, pacer.readyAt(chatId), elsewhereUntil.get(chatId) ?? 0);
      if (readyAt > at) {
        next = Math.min(next, readyAt);
        continue;
      }
      inFlight.add(chatId);
      const p: Promise<void> = serveLeased(chatId)
        .then((served) => (served ? refreshDue(chatId) : undefined))
        .finally(() => {
          inFlight.delete(chatId);
          running.delete(p);
          opts.onRound?.();
          wakeUp?.();
        });
      running.add(p);
    }
    return next;
  }

  /** One round for the chat, under its lease when replicas share the database; false: another replica has it. */
  async function serveLeased(chatId: string): Promise<boolean> {
    try {
      if (replicas) {
        if (!(await replicas.claimChat(chatId, replicas.replicaId, chatLeaseMs))) {
          elsewhereUntil.set(chatId, now() + rescanMs);
          return false;
        }
        elsewhereUntil.delete(chatId);
        held.add(chatId);
        inRound.add(chatId);
      }
      try {
        await serveChat(chatId);
      } finally {
        inRound.delete(chatId);
        // Released after each round: a chat's work is one call at a time, so another replica
        // (one that holds a button press for this chat) may take the next round.
        if (replicas) {
          held.delete(chatId);
          await replicas.releaseChat(chatId, replicas.replicaId);
        }
      }
    } catch (err) {
      logger.error({ err, chatId }, 'dispatcher error');
      if (replicas) elsewhereUntil.set(chatId, now() + 1000);
    }
    return true;
  }

  async function refreshDue(chatId: string): Promise<void> {
    try {
      const since = seq;
      const at = await store.chatDueAt(chatId);
      if ((wokenSeq.get(chatId) ?? 0) > since) return; // woken meanwhile: new work is waiting
      if (at === null) due.delete(chatId);
      else due.set(chatId, at);
      const moved = await store.migratedTo(chatId);
      if (moved) due.set(moved, Math.min(due.get(moved) ?? Infinity, now()));
    } catch (err) {
      logger.error({ err, chatId }, 'dispatcher could not read the outbox');
    }
  }

  /** New work arrived for these chats; without a list, the outbox is read again. */
  function wake(chatIds?: string[]): void {
    if (chatIds) {
      const at = now();
      seq += 1;
      for (const c of chatIds) {
        due.set(c, Math.min(due.get(c) ?? Infinity, at));
        wokenSeq.set(c, seq);
      }
    } else {
      lastRescan = -Infinity;
    }
    woken = true;
    turns.wake();
    wakeUp?.();
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let next: number;
      woken = false;
      try {
        next = await schedule();
      } catch (err) {
        logger.error({ err }, 'dispatcher could not read the outbox');
        next = now() + 1000;
      }
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const delay = Number.isFinite(next) ? Math.max(0, next - now()) : 60_000;
        const timer = setTimeout(resolve, delay);
        wakeUp = () => {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        };
      });
    }
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      loopDone = loop();
    },
    wake,
    /**
     * Applies a change to an issue message in that chat's turn, paced like any other call;
     * resolves once Telegram shows it (or it could not be shown).
     */
    update(chatId: string, messageId: number, change: MessageChange): Promise<ChangeOutcome> {
      if (stopped) return Promise.resolve('stopped');
      return new Promise((done) =>
        jobs.queueJob(chatId, { messageId, change, attempts: 0, notBefore: now(), done: (o) => done(o as ChangeOutcome) }),
      );
    },
    /**
     * Sends a bot answer to `chatId` in that chat's turn, under the same pacing as alerts (and
     * before the chat's waiting alerts: someone is waiting for it).
     */
    say(chatId: string, params: Omit<SendParams, 'chat_id'>): Promise<ReplyOutcome> {
      if (stopped) return Promise.resolve('stopped');
      const waiting = jobs.waitingAnswers(chatId);
      if (waiting >= MAX_WAITING_REPLIES) {
        logger.warn({ chatId, waiting }, 'too many bot answers waiting for this chat: this one is dropped');
        return Promise.resolve('dropped');
      }
      return new Promise((done) =>
        jobs.queueJob(chatId, { messageId: 0, change: { kind: 'say', params }, attempts: 0, notBefore: now(), done: (o) => done(o as ReplyOutcome) }),
      );
    },
    /** Stops taking new work and waits (bounded) for calls already in flight. */
    async stop(timeoutMs = 5000): Promise<void> {
      stopped = true;
      wake();
      await loopDone;
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      await jobs.finish(timeoutMs);
      if (replicas) {
        // Another replica may take these chats at once rather than when the leases expire.
        const chats = [...held];
        held.clear();
        await Promise.allSettled(chats.map((c) => replicas.releaseChat(c, replicas.replicaId)));
      }
    },
  };
}
