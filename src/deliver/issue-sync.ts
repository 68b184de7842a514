// Issue messages kept in sync: the first message of an issue (or of an alert alone), an edit
// when its state or counter changes, a new message that replies to the old one and takes its
// buttons. Each saves the message and settles the alerts it carries in one transaction.
import { issueIdOf } from '../group/group-key.js';
import type { Menu } from '../issue/actions.js';
import { clock } from '../issue/clock.js';
import type { IssuePlan, IssueView } from '../issue/plan.js';
import { renderIssueMessage, sameRendering } from '../render/issue-message.js';
import { actionKeyboard } from '../render/keyboard.js';
import { render } from '../render/render.js';
import type { AsyncStore } from '../store/async-store.js';
import type { MessageRow } from '../store/store.js';
import type { DeliveryContext } from './context.js';
import { silentAt, type DestinationSettings } from './destinations.js';
import { NO_STATE, stateColumns, viewOfRow, type AlertContent } from './message-rows.js';
import type { Planner, Unit } from './planning.js';

export type IssueSync = ReturnType<typeof createIssueSync>;

export function createIssueSync(ctx: DeliveryContext, planner: Pick<Planner, 'alertOf'>) {
  const { store, logger, now, actions, newKey, calls } = ctx;
  const { send, setButtons, editOrResend } = calls;
  const { alertOf } = planner;

  /** The action keyboard when write-back is on and the message has a key; else the link button. */
  function buttonsFor(view: IssueView, key: string | null, menu: Menu = 'main', dest: DestinationSettings = ctx.destinationOf('', null)) {
    return actions && key ? actionKeyboard(view.state.status, key, view.body.url, menu, dest.locale) : undefined;
  }

  /** The unit's target settings: the route of its first row (all rows of a chat unit share a place). */
  function destOf(chatId: string, unit: Unit): DestinationSettings {
    return ctx.destinationOf(chatId, unit.rows[0]?.route ?? null);
  }

  async function keyOf(chatId: string, messageId: number): Promise<string | null> {
    return (await store.callbackFor(chatId, messageId))?.key ?? null;
  }

  /** Saves through `tx` when given (inside a transaction), else through the store. */
  async function saveIssueMessage(previous: MessageRow, view: IssueView, messageId: number, at: number, tx: AsyncStore = store): Promise<MessageRow> {
    const next: MessageRow = {
      ...previous,
      messageId,
      count: view.count,
      lastSeen: view.lastSeen,
      content: JSON.stringify({ alert: view.body } satisfies AlertContent),
      updatedAt: at,
      ...stateColumns(view.state),
    };
    if (messageId === previous.messageId) await tx.saveMessage(next);
    else await tx.replaceMessage(previous, next);
    return next;
  }

  async function sendPlain(chatId: string, unit: Unit): Promise<void> {
    const first = unit.rows[0]!;
    const last = unit.rows[unit.rows.length - 1]!;
    const alert = await alertOf(first);
    const count = unit.rows.length;
    const dest = destOf(chatId, unit);
    const rendered = render(alert, count > 1 ? { repeat: { count, lastSeen: clock(last.receivedAt) } } : {}, dest.locale, dest.template);
    const messageId = await send(chatId, first.threadId, rendered, undefined, silentAt(dest, [alert.level], now()));
    const at = now();
    await store.transaction(async (tx) => {
      await tx.saveMessage({
        chatId, messageId, threadId: first.threadId, groupKey: unit.groupKey, kind: 'alert', count,
        firstSeen: first.receivedAt, lastSeen: last.receivedAt, alertId: first.id,
        content: JSON.stringify({ alert } satisfies AlertContent), updatedAt: at, ...NO_STATE,
      });
      await tx.finish([first.id], 'sent', messageId, at);
      await tx.finish(unit.rows.slice(1).map((r) => r.id), 'merged', messageId, at);
    });
  }

  /** A new issue message: the first one, or one that replies to the old and takes its buttons. */
  async function sendIssue(chatId: string, unit: Unit, p: Extract<IssuePlan, { do: 'send' }>): Promise<void> {
    const rows = unit.rows.slice(0, p.take);
    const first = rows[0]!;
    const issueId = issueIdOf(unit.groupKey);
    const key = actions && issueId ? newKey() : null;
    const previous = p.reply ? unit.existing : null;
    const dest = destOf(chatId, unit);
    const rendered = renderIssueMessage(p.view, buttonsFor(p.view, key, 'main', dest), dest.locale, dest.template);
    const messageId = await send(chatId, first.threadId, rendered, previous?.messageId, silentAt(dest, [p.view.body.level], now()));
    const at = now();
    await store.transaction(async (tx) => {
      await tx.saveMessage({
        chatId, messageId, threadId: first.threadId, groupKey: unit.groupKey, kind: 'alert', count: p.view.count,
        firstSeen: p.view.firstSeen, lastSeen: p.view.lastSeen, alertId: first.id,
        content: JSON.stringify({ alert: p.view.body } satisfies AlertContent), updatedAt: at,
        issueId, ...stateColumns(p.view.state),
      });
      if (key && actions && issueId) await tx.saveCallback({ key, chatId, messageId, issueId, org: actions.org, createdAt: at });
      await tx.finish([first.id], 'sent', messageId, at);
      await tx.finish(rows.slice(1).map((r) => r.id), 'merged', messageId, at);
    });
    if (previous && (await keyOf(chatId, previous.messageId))) {
      // The buttons move to the new message: the old one keeps its text and loses its keyboard.
      await store.dropCallbacks(chatId, previous.messageId);
      await setButtons(chatId, previous.messageId).catch((err: unknown) =>
        logger.warn({ chatId, messageId: previous.messageId, err: (err as Error).message }, 'could not remove the buttons of the older message'),
      );
    }
  }

  async function editIssue(chatId: string, unit: Unit, p: Extract<IssuePlan, { do: 'edit' }>): Promise<void> {
    const row = unit.existing!;
    const rows = unit.rows.slice(0, p.take);
    const oldKey = await keyOf(chatId, row.messageId);
    // A message sent while write-back was off gets its buttons on its next change.
    const key = oldKey ?? (actions && row.issueId ? newKey() : null);
    const dest = destOf(chatId, unit);
    const before = renderIssueMessage(viewOfRow(row), buttonsFor(viewOfRow(row), oldKey, 'main', dest), dest.locale, dest.template);
    const after = renderIssueMessage(p.view, buttonsFor(p.view, key, 'main', dest), dest.locale, dest.template);
    // A webhook that changes nothing visible (Sentry confirming our own Resolve) costs no call.
    // An edit rings no bell; a message sent anew (the old one was deleted) follows quiet hours.
    const messageId = sameRendering(before, after)
      ? row.messageId
      : await editOrResend(chatId, row.messageId, rows[0]!.threadId, after, silentAt(dest, [p.view.body.level], now()));
    const at = now();
    await store.transaction(async (tx) => {
      await saveIssueMessage(row, p.view, messageId, at, tx);
      if (key && !oldKey && actions && row.issueId) {
        await tx.saveCallback({ key, chatId, messageId, issueId: row.issueId, org: actions.org, createdAt: at });
      }
      await tx.finish(rows.map((r) => r.id), 'merged', messageId, at);
    });
  }

  return { buttonsFor, keyOf, saveIssueMessage, sendPlain, sendIssue, editIssue };
}
