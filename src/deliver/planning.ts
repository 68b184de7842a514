// Deciding what one chat's waiting alerts become: grouped into units (one per issue, or one
// alert alone), each issue unit planned against its current message (issue/plan.ts), mutes
// settled at once without a Telegram call.
import { issueIdOf } from '../group/group-key.js';
import { planIssue, type IssuePlan } from '../issue/plan.js';
import { rowKind, type IssueChange } from '../issue/state.js';
import type { Alert } from '../normalise/alert.js';
import { normalise } from '../normalise/normalise.js';
import type { MessageRow, PendingRow } from '../store/store.js';
import type { DeliveryContext } from './context.js';
import { viewOfRow } from './message-rows.js';

/** The waiting alerts of one issue (or one alert alone) and the message they bear on. */
export interface Unit {
  groupKey: string | null;
  rows: PendingRow[];
  /** The issue's newest message (any age), or a digest listing it (within the storm window). */
  existing: MessageRow | null;
  plan?: Exclude<IssuePlan, { do: 'mute' }>;
}

export type Planner = ReturnType<typeof createPlanner>;

export function createPlanner(ctx: Pick<DeliveryContext, 'store' | 'logger' | 'storm' | 'destinationOf'>) {
  const { store, logger, storm } = ctx;

  async function unitsOf(chatId: string, rows: PendingRow[], at: number): Promise<Unit[]> {
    const byKey = new Map<string, Unit>();
    const units: Unit[] = [];
    for (const row of rows) {
      const key = row.groupKey ?? `row:${row.id}`;
      let unit = byKey.get(key);
      if (!unit) {
        unit = { groupKey: row.groupKey, rows: [], existing: row.groupKey ? await existingMessage(chatId, row.groupKey, at) : null };
        byKey.set(key, unit);
        units.push(unit);
      }
      unit.rows.push(row);
    }
    return units;
  }

  async function existingMessage(chatId: string, groupKey: string, at: number): Promise<MessageRow | null> {
    // An issue's own message is kept in sync for as long as retention keeps it; the planner
    // decides whether a late repeat still edits it.
    const own = await store.messageForGroup(groupKey, chatId);
    if (own && own.kind === 'alert') return own;
    return recentDigest(chatId, groupKey, at);
  }

  async function recentDigest(chatId: string, groupKey: string, at: number): Promise<MessageRow | null> {
    const digestId = await store.digestFor(chatId, groupKey);
    const digest = digestId === null ? null : await store.message(chatId, digestId);
    return digest && at - digest.lastSeen < storm.windowMs ? digest : null;
  }

  type Content = { body: Buffer | null; alert: string | null } | null;

  /** The row's alert; `preloaded`: its content already read (contents), else it is read here. */
  async function alertOf(row: PendingRow, preloaded?: Content): Promise<Alert> {
    return alertFrom(row, preloaded !== undefined ? preloaded : await store.content(row.id));
  }

  function alertFrom(row: PendingRow, content: Content): Alert {
    // Normalised once, at intake; rows stored before that (schema 3) are normalised here.
    if (content?.alert) {
      try {
        return JSON.parse(content.alert) as Alert;
      } catch (err) {
        logger.warn({ err, alertId: row.id }, 'stored alert unreadable: normalising the body again');
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse((content?.body ?? Buffer.from('null')).toString('utf8'));
    } catch {
      parsed = null; // accepted bodies are valid JSON; this only guards a damaged database
    }
    return normalise({ resource: row.resource === 'legacy' ? undefined : row.resource, body: parsed });
  }

  /**
   * The planner reads alerts synchronously (issue/plan.ts is pure). Each row's alert is parsed
   * when the plan first asks for it: a storm's repeats of an issue only count, and a round of
   * two thousand of them need not parse two thousand alerts.
   */
  function incoming(row: PendingRow, content: Content): IssueChange {
    let alert: Alert | undefined;
    return {
      // Grouped rows are occurrences or lifecycle webhooks by construction (see groupKey).
      kind: rowKind(row.resource, row.action) ?? 'occurrence',
      receivedAt: row.receivedAt,
      alert: () => (alert ??= alertFrom(row, content)),
    };
  }

  /**
   * `shortIdMutes`: the chat has mutes by short id (FRONT-END-9) not tied to an issue id; only
   * issue payloads name the short id, so those rows are read to match them.
   */
  async function isMuted(chatId: string, unit: Unit, rows: IssueChange[], at: number, shortIdMutes: boolean): Promise<boolean> {
    const issueId = issueIdOf(unit.groupKey);
    if (issueId === null) return false;
    if (await store.activeMute(chatId, issueId, null, at)) return true;
    if (!shortIdMutes) return false;
    const shortId = rows.find((r) => r.kind !== 'occurrence')?.alert().shortId ?? null;
    return shortId !== null && (await store.activeMute(chatId, null, shortId, at)) !== null;
  }

  async function settleMuted(chatId: string, unit: Unit, take: number, at: number): Promise<void> {
    const ids = unit.rows.slice(0, take).map((r) => r.id);
    await store.finish(ids, 'muted', unit.existing?.messageId ?? null, at);
    logger.info({ chatId, issue: issueIdOf(unit.groupKey), alerts: ids.length }, 'muted: not posted');
  }

  /**
   * Plans an issue unit. Null: muted, settled at once without a Telegram call. Undefined: it
   * adds to a recent digest's line instead.
   */
  async function plan(chatId: string, unit: Unit, at: number, shortIdMutes: boolean): Promise<Unit['plan'] | null> {
    // One query for the unit's rows (a storm's unit may hold hundreds), not one per row.
    const contents = await store.contents(unit.rows.map((r) => r.id));
    const rows = unit.rows.map((r) => incoming(r, contents.get(r.id) ?? null));
    const muted = await isMuted(chatId, unit, rows, at, shortIdMutes);
    if (unit.existing?.kind === 'digest') {
      // Listed in a recent digest: repeats add to its line, unless the issue is muted.
      if (muted) await settleMuted(chatId, unit, unit.rows.length, at);
      return muted ? null : undefined;
    }
    const current = unit.existing ? viewOfRow(unit.existing) : null;
    const p = planIssue(current, rows, { muted, now: at, windowMs: storm.windowMs, locale: ctx.destinationOf(chatId, unit.rows[0]?.route ?? null).locale });
    if (p.do === 'send' && p.reply && !p.regression && unit.existing) {
      // A late repeat whose issue a newer digest already lists: it adds to that line.
      const digest = await recentDigest(chatId, unit.groupKey!, at);
      if (digest && digest.messageId > unit.existing.messageId) {
        unit.existing = digest;
        return undefined;
      }
    }
    if (p.do !== 'mute') return p;
    await settleMuted(chatId, unit, p.take, at);
    return null;
  }

  return { unitsOf, recentDigest, alertOf, plan };
}
