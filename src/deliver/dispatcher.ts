// Delivers the outbox. Per chat one Telegram call at a time, paced under Telegram's limits;
// each Sentry issue has one message that repeats and lifecycle webhooks keep in sync (a
// regression starts a new one that replies to the old); a backlog of distinct alerts becomes
// digests. Every accepted alert ends in some message (its own, a counter, a digest line), is
// counted as muted, or is parked with a reason a human can read in /health — never retried
// forever, never dropped. Button presses change issue messages through here too, so one
// chat's message is only ever changed by one call at a time.
import { randomBytes } from 'node:crypto';
import { KEY_LENGTH, type Menu, type SentryAction } from '../issue/actions.js';
import { clock } from '../issue/clock.js';
import { actionKeyboard } from '../render/keyboard.js';
import { issueIdOf } from '../group/group-key.js';
import type { Logger } from '../log/logger.js';
import type { Alert } from '../normalise/alert.js';
import { normalise } from '../normalise/normalise.js';
import { render, renderDigest, type DigestLine, type Rendered } from '../render/render.js';
import type { MessageRow, PendingRow, Store } from '../store/store.js';
import { planIssue, type IssuePlan, type IssueView } from '../issue/plan.js';
import { applyAction, OPEN, rowKind, type IssueChange, type IssueState } from '../issue/state.js';
import { renderIssueMessage, sameRendering } from '../render/issue-message.js';
import { backoffMs, createPacer, DEFAULT_BACKOFF, DEFAULT_PACING, type BackoffConfig, type PacingConfig } from './pacing.js';
import type { Telegram } from '../telegram/client.js';
import type { SendParams } from '../telegram/types.js';
import { classifyTelegramError, type TelegramVerdict } from './telegram-verdict.js';
import type { TelegramStatus } from '../telegram/reachability.js';
import { createTurns } from './turns.js';

export interface StormConfig {
  /** Repeats of one issue within this time edit its message instead of posting a new one. */
  windowMs: number;
  /** Digest a chat's distinct new alerts when sending them one by one would take longer than this. */
  digestAfterMs: number;
  digestMaxLines: number;
}

export const DEFAULT_STORM: StormConfig = { windowMs: 60 * 60_000, digestAfterMs: 10_000, digestMaxLines: 30 };

/** Write-back is on: issue messages carry Resolve / Archive buttons for this organisation. */
export interface ActionsConfig {
  org: string;
}

export interface DispatcherOptions {
  store: Store;
  /** editMessageReplyMarkup is needed only with `actions` (buttons move and switch). */
  telegram: Pick<Telegram, 'sendMessage' | 'editMessageText'> & Partial<Pick<Telegram, 'editMessageReplyMarkup'>>;
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
}

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

interface Job {
  messageId: number;
  change: MessageChange | { kind: 'refresh' } | Say;
  attempts: number;
  notBefore: number;
  /** An update's promise gets ChangeOutcomes, an answer's ReplyOutcomes (see runSay). */
  done: (outcome: ChangeOutcome | ReplyOutcome) => void;
}

interface Unit {
  groupKey: string | null;
  rows: PendingRow[];
  /** The issue's newest message (any age), or a digest listing it (within the storm window). */
  existing: MessageRow | null;
  plan?: Exclude<IssuePlan, { do: 'mute' }>;
}

interface AlertContent {
  alert: Alert;
}
interface DigestContent {
  lines: (DigestLine & { groupKey: string | null; count: number })[];
}

/** How a message goes out: as rendered, or without what Telegram refused. */
interface Variant {
  plain: boolean;
  keyboard: boolean;
}

const JOB_ATTEMPTS = 5;
// Answers beyond this many waiting for one chat are dropped: a flood of /status must not hold
// the chat's alerts back for minutes (each answer takes one of the group's 20 calls a minute).
const MAX_WAITING_REPLIES = 10;
const ISSUE_STATUSES = new Set(['unresolved', 'resolved', 'ignored']);

export function stateOfRow(row: MessageRow): IssueState {
  return {
    status: row.status && ISSUE_STATUSES.has(row.status) ? (row.status as IssueState['status']) : OPEN.status,
    substatus: row.substatus,
    assignee: row.assignee,
    line: row.statusLine,
    by: row.changedBy,
    at: row.changedAt,
  };
}

function stateColumns(state: IssueState) {
  return {
    status: state.status,
    substatus: state.substatus,
    assignee: state.assignee,
    statusLine: state.line,
    changedBy: state.by,
    changedAt: state.at,
  };
}

const NO_STATE = { issueId: null, status: null, substatus: null, assignee: null, statusLine: null, changedBy: null, changedAt: null };

export function viewOfRow(row: MessageRow): IssueView {
  const { alert } = JSON.parse(row.content ?? '{}') as AlertContent;
  return { body: alert, state: stateOfRow(row), count: row.count, firstSeen: row.firstSeen, lastSeen: row.lastSeen };
}

function newKey(): string {
  return randomBytes(16).toString('base64url').slice(0, KEY_LENGTH);
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

export function createDispatcher(opts: DispatcherOptions) {
  const { store, telegram, logger, status } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const pacer = createPacer({ ...DEFAULT_PACING, ...opts.pacing });
  const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const storm = { ...DEFAULT_STORM, ...opts.storm };
  const giveUpAfterMs = opts.giveUpAfterMs ?? 24 * 60 * 60_000;
  const batchSize = opts.batchSize ?? 2000;
  const actions = opts.actions ?? null;
  const makeKey = opts.newKey ?? newKey;

  // When each chat next has work, kept in memory so waking costs no query; the database is
  // re-read at start and every RESCAN_MS to heal any drift.
  const due = new Map<string, number>();
  let lastRescan = -Infinity;
  const RESCAN_MS = 30_000;
  const inFlight = new Set<string>();
  const running = new Set<Promise<void>>();
  // Changes from button presses, per chat; served before the outbox (someone is waiting).
  const jobs = new Map<string, Job[]>();
  let stopped = true;
  let wakeUp: (() => void) | null = null;
  // Every call into a chat goes through `paced` (see turns.ts).
  const turns = createTurns({ pacer, now, stopping: () => stopped });
  const paced = turns.paced;
  let loopDone: Promise<void> = Promise.resolve();

  // ---- Telegram calls, with the plain-text and no-keyboard fallbacks ----------------------

  function sendParams(chatId: string, threadId: number | null, r: Rendered, as: Variant, replyTo?: number): SendParams {
    return {
      chat_id: chatId,
      text: as.plain ? r.plain : r.html,
      ...(as.plain ? {} : { parse_mode: 'HTML' as const }),
      ...(threadId !== null ? { message_thread_id: threadId } : {}),
      ...(as.keyboard && r.buttons.length ? { reply_markup: { inline_keyboard: r.buttons } } : {}),
      ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
      link_preview_options: { is_disabled: true },
    };
  }

  /**
   * Runs `call` as rendered. If Telegram cannot parse our HTML, resends as plain text (and logs
   * loudly: that is our bug); if it refuses the keyboard (a button URL it does not take),
   * resends without it: the alert matters more than its buttons, and the link is in the text.
   * At most three calls.
   */
  async function withFallback<T>(call: (as: Variant) => Promise<T>, chatId: string): Promise<T> {
    const as: Variant = { plain: false, keyboard: true };
    for (;;) {
      try {
        return await paced(chatId, () => call({ ...as }));
      } catch (err) {
        const kind = classifyTelegramError(err).kind;
        if (kind === 'bad-html' && !as.plain) {
          logger.error({ err, chatId }, 'Telegram could not parse our HTML: sending as plain text (please report this)');
          as.plain = true;
        } else if (kind === 'bad-markup' && as.keyboard) {
          logger.warn({ err: (err as Error).message, chatId }, 'Telegram refused the buttons: sending the alert without them');
          as.keyboard = false;
        } else {
          throw err;
        }
      }
    }
  }

  async function send(chatId: string, threadId: number | null, r: Rendered, replyTo?: number): Promise<number> {
    const msg = await withFallback((as) => telegram.sendMessage(sendParams(chatId, threadId, r, as, replyTo)), chatId);
    return msg.message_id;
  }

  async function edit(chatId: string, messageId: number, r: Rendered): Promise<void> {
    try {
      await withFallback((as) => {
        const { message_thread_id: _thread, reply_parameters: _reply, ...p } = sendParams(chatId, null, r, as);
        return telegram.editMessageText({ ...p, message_id: messageId });
      }, chatId);
    } catch (err) {
      if (classifyTelegramError(err).kind !== 'not-modified') throw err;
    }
  }

  /** Sets or (without `buttons`) removes a message's keyboard; false when the message is gone. */
  async function setButtons(chatId: string, messageId: number, buttons?: Rendered['buttons']): Promise<boolean> {
    const editMarkup = telegram.editMessageReplyMarkup;
    if (!editMarkup) throw new Error('this dispatcher cannot change buttons (no editMessageReplyMarkup)');
    try {
      await paced(chatId, () => editMarkup({
        chat_id: chatId,
        message_id: messageId,
        ...(buttons ? { reply_markup: { inline_keyboard: buttons } } : {}),
      }));
    } catch (err) {
      const kind = classifyTelegramError(err).kind;
      if (kind === 'edit-target-gone') return false;
      if (kind !== 'not-modified') throw err;
    }
    return true;
  }

  // ---- Issue messages ---------------------------------------------------------------------

  /** The action keyboard when write-back is on and the message has a key; else the link button. */
  function buttonsFor(view: IssueView, key: string | null, menu: Menu = 'main') {
    return actions && key ? actionKeyboard(view.state.status, key, view.body.url, menu) : undefined;
  }

  function keyOf(chatId: string, messageId: number): string | null {
    return store.callbackFor(chatId, messageId)?.key ?? null;
  }

  /**
   * Edits an issue message; if it was deleted, sends it anew (to the General topic if its topic
   * is gone too). Returns the id of the message that now shows it.
   */
  async function editOrResend(chatId: string, messageId: number, threadId: number | null, r: Rendered): Promise<number> {
    try {
      await edit(chatId, messageId, r);
      return messageId;
    } catch (err) {
      if (classifyTelegramError(err).kind !== 'edit-target-gone') throw err;
    }
    logger.info({ chatId, messageId }, 'the issue message was deleted: sending it anew');
    try {
      return await send(chatId, threadId, r);
    } catch (err) {
      if (threadId === null || classifyTelegramError(err).kind !== 'thread-gone') throw err;
      return send(chatId, null, r);
    }
  }

  function saveIssueMessage(previous: MessageRow, view: IssueView, messageId: number, at: number): MessageRow {
    const next: MessageRow = {
      ...previous,
      messageId,
      count: view.count,
      lastSeen: view.lastSeen,
      content: JSON.stringify({ alert: view.body } satisfies AlertContent),
      updatedAt: at,
      ...stateColumns(view.state),
    };
    if (messageId === previous.messageId) store.saveMessage(next);
    else store.replaceMessage(previous, next);
    return next;
  }

  // ---- Deciding what one chat gets next ---------------------------------------------------

  function unitsOf(chatId: string, rows: PendingRow[], at: number): Unit[] {
    const byKey = new Map<string, Unit>();
    const units: Unit[] = [];
    for (const row of rows) {
      const key = row.groupKey ?? `row:${row.id}`;
      let unit = byKey.get(key);
      if (!unit) {
        unit = { groupKey: row.groupKey, rows: [], existing: row.groupKey ? existingMessage(chatId, row.groupKey, at) : null };
        byKey.set(key, unit);
        units.push(unit);
      }
      unit.rows.push(row);
    }
    return units;
  }

  function existingMessage(chatId: string, groupKey: string, at: number): MessageRow | null {
    // An issue's own message is kept in sync for as long as retention keeps it; the planner
    // decides whether a late repeat still edits it.
    const own = store.messageForGroup(groupKey, chatId);
    if (own && own.kind === 'alert') return own;
    return recentDigest(chatId, groupKey, at);
  }

  function recentDigest(chatId: string, groupKey: string, at: number): MessageRow | null {
    const digestId = store.digestFor(chatId, groupKey);
    const digest = digestId === null ? null : store.message(chatId, digestId);
    return digest && at - digest.lastSeen < storm.windowMs ? digest : null;
  }

  function alertOf(row: PendingRow): Alert {
    let parsed: unknown;
    try {
      parsed = JSON.parse((store.body(row.id) ?? Buffer.from('null')).toString('utf8'));
    } catch {
      parsed = null; // accepted bodies are valid JSON; this only guards a damaged database
    }
    return normalise({ resource: row.resource === 'legacy' ? undefined : row.resource, body: parsed });
  }

  function incoming(row: PendingRow): IssueChange {
    let alert: Alert | undefined;
    return {
      // Grouped rows are occurrences or lifecycle webhooks by construction (see groupKey).
      kind: rowKind(row.resource, row.action) ?? 'occurrence',
      receivedAt: row.receivedAt,
      alert: () => (alert ??= alertOf(row)),
    };
  }

  /**
   * `shortIdMutes`: the chat has mutes by short id (FRONT-END-9) not tied to an issue id; only
   * issue payloads name the short id, so those rows are read to match them.
   */
  function isMuted(chatId: string, unit: Unit, rows: IssueChange[], at: number, shortIdMutes: boolean): boolean {
    const issueId = issueIdOf(unit.groupKey);
    if (issueId === null) return false;
    if (store.activeMute(chatId, issueId, null, at)) return true;
    if (!shortIdMutes) return false;
    const shortId = rows.find((r) => r.kind !== 'occurrence')?.alert().shortId ?? null;
    return shortId !== null && store.activeMute(chatId, null, shortId, at) !== null;
  }

  function settleMuted(chatId: string, unit: Unit, take: number, at: number): void {
    const ids = unit.rows.slice(0, take).map((r) => r.id);
    store.finish(ids, 'muted', unit.existing?.messageId ?? null, at);
    logger.info({ chatId, issue: issueIdOf(unit.groupKey), alerts: ids.length }, 'muted: not posted');
  }

  /**
   * Plans an issue unit. Null: muted, settled at once without a Telegram call. Undefined: it
   * adds to a recent digest's line instead.
   */
  function plan(chatId: string, unit: Unit, at: number, shortIdMutes: boolean): Unit['plan'] | null {
    const rows = unit.rows.map(incoming);
    const muted = isMuted(chatId, unit, rows, at, shortIdMutes);
    if (unit.existing?.kind === 'digest') {
      // Listed in a recent digest: repeats add to its line, unless the issue is muted.
      if (muted) settleMuted(chatId, unit, unit.rows.length, at);
      return muted ? null : undefined;
    }
    const current = unit.existing ? viewOfRow(unit.existing) : null;
    const p = planIssue(current, rows, { muted, now: at, windowMs: storm.windowMs });
    if (p.do === 'send' && p.reply && !p.regression && unit.existing) {
      // A late repeat whose issue a newer digest already lists: it adds to that line.
      const digest = recentDigest(chatId, unit.groupKey!, at);
      if (digest && digest.messageId > unit.existing.messageId) {
        unit.existing = digest;
        return undefined;
      }
    }
    if (p.do !== 'mute') return p;
    settleMuted(chatId, unit, p.take, at);
    return null;
  }

  async function sendPlain(chatId: string, unit: Unit): Promise<void> {
    const first = unit.rows[0]!;
    const last = unit.rows[unit.rows.length - 1]!;
    const alert = alertOf(first);
    const count = unit.rows.length;
    const rendered = render(alert, count > 1 ? { repeat: { count, lastSeen: clock(last.receivedAt) } } : {});
    const messageId = await send(chatId, first.threadId, rendered);
    const at = now();
    store.db.transaction(() => {
      store.saveMessage({
        chatId, messageId, threadId: first.threadId, groupKey: unit.groupKey, kind: 'alert', count,
        firstSeen: first.receivedAt, lastSeen: last.receivedAt, alertId: first.id,
        content: JSON.stringify({ alert } satisfies AlertContent), updatedAt: at, ...NO_STATE,
      });
      store.finish([first.id], 'sent', messageId, at);
      store.finish(unit.rows.slice(1).map((r) => r.id), 'merged', messageId, at);
    })();
  }

  /** A new issue message: the first one, or one that replies to the old and takes its buttons. */
  async function sendIssue(chatId: string, unit: Unit, p: Extract<IssuePlan, { do: 'send' }>): Promise<void> {
    const rows = unit.rows.slice(0, p.take);
    const first = rows[0]!;
    const issueId = issueIdOf(unit.groupKey);
    const key = actions && issueId ? makeKey() : null;
    const previous = p.reply ? unit.existing : null;
    const messageId = await send(chatId, first.threadId, renderIssueMessage(p.view, buttonsFor(p.view, key)), previous?.messageId);
    const at = now();
    store.db.transaction(() => {
      store.saveMessage({
        chatId, messageId, threadId: first.threadId, groupKey: unit.groupKey, kind: 'alert', count: p.view.count,
        firstSeen: p.view.firstSeen, lastSeen: p.view.lastSeen, alertId: first.id,
        content: JSON.stringify({ alert: p.view.body } satisfies AlertContent), updatedAt: at,
        issueId, ...stateColumns(p.view.state),
      });
      if (key && actions && issueId) store.saveCallback({ key, chatId, messageId, issueId, org: actions.org, createdAt: at });
      store.finish([first.id], 'sent', messageId, at);
      store.finish(rows.slice(1).map((r) => r.id), 'merged', messageId, at);
    })();
    if (previous && keyOf(chatId, previous.messageId)) {
      // The buttons move to the new message: the old one keeps its text and loses its keyboard.
      store.dropCallbacks(chatId, previous.messageId);
      await setButtons(chatId, previous.messageId).catch((err: unknown) =>
        logger.warn({ chatId, messageId: previous.messageId, err: (err as Error).message }, 'could not remove the buttons of the older message'),
      );
    }
  }

  async function editIssue(chatId: string, unit: Unit, p: Extract<IssuePlan, { do: 'edit' }>): Promise<void> {
    const row = unit.existing!;
    const rows = unit.rows.slice(0, p.take);
    const oldKey = keyOf(chatId, row.messageId);
    // A message sent while write-back was off gets its buttons on its next change.
    const key = oldKey ?? (actions && row.issueId ? makeKey() : null);
    const before = renderIssueMessage(viewOfRow(row), buttonsFor(viewOfRow(row), oldKey));
    const after = renderIssueMessage(p.view, buttonsFor(p.view, key));
    // A webhook that changes nothing visible (Sentry confirming our own Resolve) costs no call.
    const messageId = sameRendering(before, after) ? row.messageId : await editOrResend(chatId, row.messageId, rows[0]!.threadId, after);
    const at = now();
    store.db.transaction(() => {
      saveIssueMessage(row, p.view, messageId, at);
      if (key && !oldKey && actions && row.issueId) {
        store.saveCallback({ key, chatId, messageId, issueId: row.issueId, org: actions.org, createdAt: at });
      }
      store.finish(rows.map((r) => r.id), 'merged', messageId, at);
    })();
  }

  function digestRender(content: DigestContent): Rendered {
    return renderDigest(
      content.lines.map((l) => ({ ...l, title: l.count > 1 ? `${l.title} ×${l.count}` : l.title })),
      storm.digestMaxLines,
    );
  }

  async function sendDigest(chatId: string, units: Unit[]): Promise<void> {
    const content: DigestContent = {
      lines: units.map((u) => {
        const a = alertOf(u.rows[0]!);
        return { groupKey: u.groupKey, level: a.level, title: a.title, ...(a.url ? { url: a.url } : {}), count: u.rows.length };
      }),
    };
    const rows = units.flatMap((u) => u.rows);
    const messageId = await send(chatId, units[0]!.rows[0]!.threadId, digestRender(content));
    const at = now();
    store.db.transaction(() => {
      store.saveMessage({
        chatId, messageId, threadId: units[0]!.rows[0]!.threadId, groupKey: null, kind: 'digest', count: rows.length,
        firstSeen: Math.min(...rows.map((r) => r.receivedAt)), lastSeen: at, alertId: null,
        content: JSON.stringify(content), updatedAt: at, ...NO_STATE,
      });
      store.saveDigestEntries(chatId, units.flatMap((u) => (u.groupKey ? [u.groupKey] : [])), messageId);
      store.finish(rows.map((r) => r.id), 'sent', messageId, at);
    })();
  }

  async function updateDigest(chatId: string, units: Unit[], msg: MessageRow): Promise<void> {
    const content = JSON.parse(msg.content ?? '{"lines":[]}') as DigestContent;
    let counted = 0;
    for (const u of units) {
      // Lifecycle webhooks are not occurrences: they do not add to a line's counter.
      const n = u.rows.filter((r) => rowKind(r.resource, r.action) === 'occurrence').length;
      const line = content.lines.find((l) => l.groupKey === u.groupKey);
      if (line) line.count += n;
      counted += n;
    }
    const rows = units.flatMap((u) => u.rows);
    if (counted > 0) await edit(chatId, msg.messageId, digestRender(content));
    const at = now();
    store.db.transaction(() => {
      store.saveMessage({ ...msg, count: msg.count + counted, lastSeen: at, content: JSON.stringify(content), updatedAt: at });
      store.finish(rows.map((r) => r.id), 'merged', msg.messageId, at);
    })();
  }

  // ---- Changes from button presses ---------------------------------------------------------

  function queueJob(chatId: string, job: Job): void {
    const list = jobs.get(chatId) ?? [];
    list.push(job);
    jobs.set(chatId, list);
    wakeUp?.();
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
      await paced(chatId, () => telegram.sendMessage({ ...say.params, chat_id: chatId }));
      status.ok(now());
      job.done('sent');
    } catch (err) {
      const verdict = classifyTelegramError(err);
      const at = now();
      status.failed(at, (err as Error).message, verdict.kind);
      if (verdict.kind === 'retry-after' && job.attempts + 1 < JOB_ATTEMPTS) {
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
    const pressed = store.message(chatId, job.messageId);
    // A press on an older message of the issue changes the newest one, which carries the state.
    const row = (pressed?.groupKey ? store.messageForGroup(pressed.groupKey, chatId) : null) ?? pressed;
    if (!row || row.kind !== 'alert' || !row.issueId) return job.done('gone');
    const change = job.change;
    const key = keyOf(chatId, row.messageId);

    if (change.kind === 'menu') {
      if (!key || !actions) return job.done('gone');
      try {
        const shown = await setButtons(chatId, row.messageId, buttonsFor(viewOfRow(row), key, change.menu));
        return job.done(shown ? 'edited' : 'gone');
      } catch (err) {
        logger.warn({ chatId, err: (err as Error).message }, 'could not switch the buttons');
        return job.done('failed');
      }
    }

    let view = viewOfRow(row);
    if (change.kind === 'action') {
      // Saved before Telegram is asked: the store says what Sentry says, whatever Telegram does.
      view = { ...view, state: applyAction(view.state, change) };
      saveIssueMessage(row, view, row.messageId, now());
    }
    try {
      const messageId = await editOrResend(chatId, row.messageId, row.threadId, renderIssueMessage(view, buttonsFor(view, key)));
      if (messageId !== row.messageId) saveIssueMessage(store.message(chatId, row.messageId) ?? row, view, messageId, now());
      status.ok(now());
      job.done(messageId === row.messageId ? 'edited' : 'resent');
    } catch (err) {
      const verdict = classifyTelegramError(err);
      const at = now();
      status.failed(at, (err as Error).message, verdict.kind);
      const retry = verdict.kind === 'retry-after' || verdict.kind === 'transient';
      if (!retry || job.attempts + 1 >= JOB_ATTEMPTS) {
        logger.warn({ chatId, messageId: row.messageId, err: (err as Error).message }, 'could not update the issue message; it will show the change on its next update');
        return job.done('failed');
      }
      if (verdict.kind === 'retry-after') pacer.block(chatId, at + verdict.seconds * 1000);
      const delay = verdict.kind === 'transient' ? backoffMs(job.attempts, backoff, random) : 0;
      queueJob(chatId, { ...job, change: { kind: 'refresh' }, attempts: job.attempts + 1, notBefore: at + delay });
    }
  }

  // ---- One step for one chat ---------------------------------------------------------------

  /** One Telegram call's worth of work for one chat. */
  async function serveChat(chatId: string): Promise<void> {
    const movedTo = store.migratedTo(chatId);
    if (movedTo) {
      store.migrateChat(chatId, movedTo, now());
      return;
    }
    const at = now();
    const job = takeJob(chatId, at);
    if (job) {
      try {
        await runJob(chatId, job);
      } catch (err) {
        logger.error({ err, chatId }, 'could not apply a change to an issue message');
        job.done('failed');
      }
      return;
    }

    const rows = store.pendingFor(chatId, at, batchSize);
    if (rows.length === 0) return;
    const units: Unit[] = [];
    const shortIdMutes = store.activeMutes(at).some((m) => m.chatId === chatId && m.issueId === null);
    for (const unit of unitsOf(chatId, rows, at)) {
      if (unit.groupKey) {
        const p = plan(chatId, unit, at, shortIdMutes);
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

    let involved: { rows: PendingRow[]; existing: MessageRow | null }[];
    let work: () => Promise<void>;
    if (fresh.length > 1 && fresh.length * pacer.gapMs(chatId) > storm.digestAfterMs) {
      const digested = fresh.slice(0, storm.digestMaxLines);
      involved = digested.map((u) => ({ rows: u.rows, existing: null }));
      work = () => sendDigest(chatId, digested);
    } else if (sends.length) {
      const u = sends[0]!;
      const p = u.plan;
      if (p?.do === 'send') {
        involved = [{ rows: u.rows.slice(0, p.take), existing: null }];
        work = () => sendIssue(chatId, u, p);
      } else {
        involved = [{ rows: u.rows, existing: null }];
        work = () => sendPlain(chatId, u);
      }
    } else {
      const u = updates[0]!;
      const target = u.existing!;
      if (target.kind === 'digest') {
        const same = updates.filter((x) => x.existing?.messageId === target.messageId);
        involved = same.map((x) => ({ rows: x.rows, existing: target }));
        work = () => updateDigest(chatId, same, target);
      } else {
        const p = u.plan as Extract<IssuePlan, { do: 'edit' }>;
        involved = [{ rows: u.rows.slice(0, p.take), existing: target }];
        work = () => editIssue(chatId, u, p);
      }
    }

    try {
      await work();
      status.ok(now());
    } catch (err) {
      handleFailure(chatId, involved, err);
    }
  }

  function handleFailure(chatId: string, units: { rows: PendingRow[]; existing: MessageRow | null }[], err: unknown): void {
    const verdict: TelegramVerdict = classifyTelegramError(err);
    const rows = units.flatMap((u) => u.rows);
    const ids = rows.map((r) => r.id);
    const at = now();
    const detail = err instanceof Error ? err.message : String(err);
    status.failed(at, detail, verdict.kind);
    switch (verdict.kind) {
      case 'retry-after':
        pacer.block(chatId, at + verdict.seconds * 1000);
        store.noteAttempt(ids[0]!, 'rate-limited', `retry after ${verdict.seconds} s`, at);
        logger.warn({ chatId, retryAfterSeconds: verdict.seconds }, 'Telegram asked us to slow down');
        return;
      case 'migrated':
        store.migrateChat(chatId, String(verdict.newChatId), at);
        logger.warn({ chatId, newChatId: verdict.newChatId }, 'the group became a supergroup: resending there; update SENTRY_ALERT_CHAT_ID');
        return;
      case 'thread-gone': {
        const threadId = rows[0]!.threadId;
        if (threadId === null) break;
        store.dropThread(chatId, threadId);
        logger.warn(
          { chatId, threadId },
          verdict.closed
            ? 'the forum topic is closed: sending to the General topic; reopen it or change SENTRY_ALERT_TOPIC_ID'
            : 'the forum topic is gone: sending to the General topic; fix SENTRY_ALERT_TOPIC_ID',
        );
        return;
      }
      case 'edit-target-gone':
        for (const u of units) if (u.existing) store.forgetMessage(chatId, u.existing.messageId);
        logger.info({ chatId }, 'the message to update was deleted: a new one will be sent');
        return;
      case 'transient': {
        const oldest = Math.min(...rows.map((r) => r.receivedAt));
        if (at - oldest < giveUpAfterMs) {
          const delay = backoffMs(rows[0]!.attempts, backoff, random);
          store.retryLater(ids, at + delay, detail, at);
          logger.warn({ chatId, err: detail, retryInMs: delay, alerts: ids.length }, 'Telegram unreachable: will retry');
          return;
        }
        store.park(ids, `gave up after ${Math.round(giveUpAfterMs / 3_600_000)} h of errors: ${detail}`, at);
        logger.error({ chatId, alerts: ids.length, err: detail }, 'UNDELIVERABLE: gave up retrying');
        return;
      }
      default:
        break;
    }
    const reason = verdict.kind === 'fatal' ? `${verdict.reason}. ${verdict.hint}` : detail;
    store.park(ids, reason, at);
    logger.error({ chatId, alerts: ids, reason }, 'UNDELIVERABLE: Telegram refused the alert and retrying will not help');
  }

  // ---- The loop --------------------------------------------------------------------------

  /** Starts work for every chat that may be served now; returns when to look again. */
  function schedule(): number {
    const at = now();
    if (at - lastRescan >= RESCAN_MS) {
      lastRescan = at;
      due.clear();
      for (const { chatId, dueAt } of store.dueChats()) due.set(chatId, dueAt);
    }
    let next = lastRescan + RESCAN_MS;
    for (const chatId of new Set([...due.keys(), ...jobs.keys()])) {
      if (inFlight.has(chatId)) continue;
      const dueAt = Math.min(due.get(chatId) ?? Infinity, jobDueAt(chatId));
      if (dueAt === Infinity) continue;
      const readyAt = Math.max(dueAt, pacer.readyAt(chatId));
      if (readyAt > at) {
        next = Math.min(next, readyAt);
        continue;
      }
      inFlight.add(chatId);
      const p: Promise<void> = serveChat(chatId)
        .catch((err: unknown) => logger.error({ err, chatId }, 'dispatcher error'))
        .finally(() => {
          inFlight.delete(chatId);
          refreshDue(chatId);
          running.delete(p);
          wakeUp?.();
        });
      running.add(p);
    }
    return next;
  }

  function refreshDue(chatId: string): void {
    try {
      const at = store.chatDueAt(chatId);
      if (at === null) due.delete(chatId);
      else due.set(chatId, at);
      const moved = store.migratedTo(chatId);
      if (moved) due.set(moved, Math.min(due.get(moved) ?? Infinity, now()));
    } catch (err) {
      logger.error({ err, chatId }, 'dispatcher could not read the outbox');
    }
  }

  /** New work arrived for these chats; without a list, the outbox is read again. */
  function wake(chatIds?: string[]): void {
    if (chatIds) {
      const at = now();
      for (const c of chatIds) due.set(c, Math.min(due.get(c) ?? Infinity, at));
    } else {
      lastRescan = -Infinity;
    }
    turns.wake();
    wakeUp?.();
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let next: number;
      try {
        next = schedule();
      } catch (err) {
        logger.error({ err }, 'dispatcher could not read the outbox');
        next = now() + 1000;
      }
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
        queueJob(chatId, { messageId, change, attempts: 0, notBefore: now(), done: (o) => done(o as ChangeOutcome) }),
      );
    },
    /**
     * Sends a bot answer to `chatId` in that chat's turn, under the same pacing as alerts (and
     * before the chat's waiting alerts: someone is waiting for it).
     */
    say(chatId: string, params: Omit<SendParams, 'chat_id'>): Promise<ReplyOutcome> {
      if (stopped) return Promise.resolve('stopped');
      const waiting = (jobs.get(chatId) ?? []).filter((j) => j.change.kind === 'say').length;
      if (waiting >= MAX_WAITING_REPLIES) {
        logger.warn({ chatId, waiting }, 'too many bot answers waiting for this chat: this one is dropped');
        return Promise.resolve('dropped');
      }
      return new Promise((done) =>
        queueJob(chatId, { messageId: 0, change: { kind: 'say', params }, attempts: 0, notBefore: now(), done: (o) => done(o as ReplyOutcome) }),
      );
    },
    /** Stops taking new work and waits (bounded) for calls already in flight. */
    async stop(timeoutMs = 5000): Promise<void> {
      stopped = true;
      wake();
      await loopDone;
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      // Sentry already took these presses: show them before going (once each, bounded). Only
      // this runs now, so the chats' one-call-at-a-time rule still holds.
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
