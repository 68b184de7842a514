// Delivers the outbox. Per chat one Telegram call at a time, paced under Telegram's limits;
// repeats of one Sentry issue edit its message; a backlog of distinct alerts becomes digests.
// Every accepted alert ends in some message (its own, a counter, a digest line) or is parked
// with a reason a human can read in /health — never retried forever, never dropped.
import type { Logger } from '../log/logger.js';
import type { Alert } from '../normalise/alert.js';
import { normalise } from '../normalise/normalise.js';
import { render, renderDigest, type DigestLine, type Rendered } from '../render/render.js';
import type { MessageRow, PendingRow, Store } from '../store/store.js';
import { backoffMs, createPacer, DEFAULT_BACKOFF, DEFAULT_PACING, type BackoffConfig, type PacingConfig } from './pacing.js';
import { classifyTelegramError, type Telegram, type TelegramVerdict } from './telegram.js';
import type { TelegramStatus } from './status.js';

export interface StormConfig {
  /** Repeats of one issue within this time edit its message instead of posting a new one. */
  windowMs: number;
  /** Digest a chat's distinct new alerts when sending them one by one would take longer than this. */
  digestAfterMs: number;
  digestMaxLines: number;
}

export const DEFAULT_STORM: StormConfig = { windowMs: 60 * 60_000, digestAfterMs: 10_000, digestMaxLines: 30 };

export interface DispatcherOptions {
  store: Store;
  telegram: Pick<Telegram, 'sendMessage' | 'editMessageText'>;
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
}

interface Unit {
  groupKey: string | null;
  rows: PendingRow[];
  existing: MessageRow | null;
}

interface AlertContent {
  alert: Alert;
}
interface DigestContent {
  lines: (DigestLine & { groupKey: string | null; count: number })[];
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
  const batchSize = opts.batchSize ?? 500;

  // When each chat next has work, kept in memory so waking costs no query; the database is
  // re-read at start and every RESCAN_MS to heal any drift.
  const due = new Map<string, number>();
  let lastRescan = -Infinity;
  const RESCAN_MS = 30_000;
  const inFlight = new Set<string>();
  const running = new Set<Promise<void>>();
  let stopped = true;
  let wakeUp: (() => void) | null = null;
  let loopDone: Promise<void> = Promise.resolve();

  // ---- Telegram calls, with the plain-text fallback -------------------------------------

  function sendParams(chatId: string, threadId: number | null, r: Rendered, plain: boolean) {
    return {
      chat_id: chatId,
      text: plain ? r.plain : r.html,
      ...(plain ? {} : { parse_mode: 'HTML' as const }),
      ...(threadId !== null ? { message_thread_id: threadId } : {}),
      ...(r.buttons.length ? { reply_markup: { inline_keyboard: r.buttons } } : {}),
      link_preview_options: { is_disabled: true },
    };
  }

  /** Runs `call` with HTML; if Telegram cannot parse it, logs loudly and resends as plain text. */
  async function withFallback<T>(call: (plain: boolean) => Promise<T>, chatId: string): Promise<T> {
    try {
      return await call(false);
    } catch (err) {
      if (classifyTelegramError(err).kind !== 'bad-html') throw err;
      logger.error({ err, chatId }, 'Telegram could not parse our HTML: sending as plain text (please report this)');
      pacer.spend(chatId, now());
      return call(true);
    }
  }

  async function send(chatId: string, threadId: number | null, r: Rendered): Promise<number> {
    pacer.spend(chatId, now());
    const msg = await withFallback((plain) => telegram.sendMessage(sendParams(chatId, threadId, r, plain)), chatId);
    return msg.message_id;
  }

  async function edit(chatId: string, messageId: number, r: Rendered): Promise<void> {
    pacer.spend(chatId, now());
    try {
      await withFallback((plain) => {
        const { message_thread_id: _thread, ...p } = sendParams(chatId, null, r, plain);
        return telegram.editMessageText({ ...p, message_id: messageId });
      }, chatId);
    } catch (err) {
      if (classifyTelegramError(err).kind !== 'not-modified') throw err;
    }
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
    const own = store.messageForGroup(groupKey, chatId);
    if (own && at - own.lastSeen < storm.windowMs) return own;
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

  function lastSeenText(ms: number): string {
    return new Date(ms).toISOString().slice(11, 16) + ' UTC';
  }

  async function sendOwn(chatId: string, unit: Unit): Promise<void> {
    const first = unit.rows[0]!;
    const last = unit.rows[unit.rows.length - 1]!;
    const alert = alertOf(first);
    const count = unit.rows.length;
    const rendered = render(alert, count > 1 ? { repeat: { count, lastSeen: lastSeenText(last.receivedAt) } } : {});
    const messageId = await send(chatId, first.threadId, rendered);
    const at = now();
    store.db.transaction(() => {
      store.saveMessage({
        chatId, messageId, threadId: first.threadId, groupKey: unit.groupKey, kind: 'alert', count,
        firstSeen: first.receivedAt, lastSeen: last.receivedAt, alertId: first.id,
        content: JSON.stringify({ alert } satisfies AlertContent), updatedAt: at,
      });
      store.finish([first.id], 'sent', messageId, at);
      store.finish(unit.rows.slice(1).map((r) => r.id), 'merged', messageId, at);
    })();
  }

  async function updateOwn(chatId: string, unit: Unit, msg: MessageRow): Promise<void> {
    const { alert } = JSON.parse(msg.content ?? '{}') as AlertContent;
    const count = msg.count + unit.rows.length;
    const lastSeen = Math.max(msg.lastSeen, unit.rows[unit.rows.length - 1]!.receivedAt);
    await edit(chatId, msg.messageId, render(alert, { repeat: { count, lastSeen: lastSeenText(lastSeen) } }));
    const at = now();
    store.db.transaction(() => {
      store.saveMessage({ ...msg, count, lastSeen, updatedAt: at });
      store.finish(unit.rows.map((r) => r.id), 'merged', msg.messageId, at);
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
        content: JSON.stringify(content), updatedAt: at,
      });
      store.saveDigestEntries(chatId, units.flatMap((u) => (u.groupKey ? [u.groupKey] : [])), messageId);
      store.finish(rows.map((r) => r.id), 'sent', messageId, at);
    })();
  }

  async function updateDigest(chatId: string, units: Unit[], msg: MessageRow): Promise<void> {
    const content = JSON.parse(msg.content ?? '{"lines":[]}') as DigestContent;
    for (const u of units) {
      const line = content.lines.find((l) => l.groupKey === u.groupKey);
      if (line) line.count += u.rows.length;
    }
    const rows = units.flatMap((u) => u.rows);
    await edit(chatId, msg.messageId, digestRender(content));
    const at = now();
    store.db.transaction(() => {
      store.saveMessage({ ...msg, count: msg.count + rows.length, lastSeen: at, content: JSON.stringify(content), updatedAt: at });
      store.finish(rows.map((r) => r.id), 'merged', msg.messageId, at);
    })();
  }

  /** One Telegram call's worth of work for one chat. */
  async function serveChat(chatId: string): Promise<void> {
    const movedTo = store.migratedTo(chatId);
    if (movedTo) {
      store.migrateChat(chatId, movedTo, now());
      return;
    }
    const at = now();
    const rows = store.pendingFor(chatId, at, batchSize);
    if (rows.length === 0) return;
    const units = unitsOf(chatId, rows, at);
    const fresh = units.filter((u) => !u.existing);
    const updates = units.filter((u) => u.existing);

    let involved: Unit[];
    let work: () => Promise<void>;
    if (fresh.length > 1 && fresh.length * pacer.gapMs(chatId) > storm.digestAfterMs) {
      involved = fresh.slice(0, storm.digestMaxLines);
      work = () => sendDigest(chatId, involved);
    } else if (fresh.length) {
      involved = [fresh[0]!];
      work = () => sendOwn(chatId, fresh[0]!);
    } else {
      const target = updates[0]!.existing!;
      involved = updates.filter((u) => u.existing!.messageId === target.messageId);
      work = target.kind === 'digest' ? () => updateDigest(chatId, involved, target) : () => updateOwn(chatId, involved[0]!, target);
    }

    try {
      await work();
      status.ok(now());
    } catch (err) {
      handleFailure(chatId, involved, err);
    }
  }

  function handleFailure(chatId: string, units: Unit[], err: unknown): void {
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
        logger.warn({ chatId, threadId }, 'the forum topic is gone: sending to the General topic; fix SENTRY_ALERT_TOPIC_ID');
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
    for (const [chatId, dueAt] of due) {
      if (inFlight.has(chatId)) continue;
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
    /** Stops taking new work and waits (bounded) for calls already in flight. */
    async stop(timeoutMs = 5000): Promise<void> {
      stopped = true;
      wake();
      await loopDone;
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
  };
}
