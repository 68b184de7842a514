// Digests: when a chat's distinct new alerts would take too long one by one, they go out as
// one message of lines; repeats of a listed issue add to its line's counter (an edit).
import { titleText } from '../i18n/phrases.js';
import { rowKind } from '../issue/state.js';
import { renderDigest, type DigestLine, type Rendered } from '../render/render.js';
import type { MessageRow } from '../store/store.js';
import type { DeliveryContext } from './context.js';
import { silentAt, type DestinationSettings } from './destinations.js';
import { NO_STATE } from './message-rows.js';
import type { Planner, Unit } from './planning.js';

/** What a digest message keeps in its content column. */
interface DigestContent {
  lines: (DigestLine & { groupKey: string | null; count: number })[];
}

export type Digests = ReturnType<typeof createDigests>;

export function createDigests(ctx: DeliveryContext, planner: Pick<Planner, 'alertOf'>) {
  const { store, now, storm, calls } = ctx;
  const { send, edit } = calls;
  const { alertOf } = planner;

  function digestRender(content: DigestContent, dest: DestinationSettings): Rendered {
    return renderDigest(
      content.lines.map((l) => ({ ...l, title: l.count > 1 ? `${l.title} ×${l.count}` : l.title })),
      storm.digestMaxLines,
      dest.locale,
      dest.template,
    );
  }

  /** A digest is posted as its first alert's target (one chat, one place). */
  function destOf(chatId: string, units: Unit[]): DestinationSettings {
    return ctx.destinationOf(chatId, units[0]?.rows[0]?.route ?? null);
  }

  async function sendDigest(chatId: string, units: Unit[]): Promise<void> {
    const dest = destOf(chatId, units);
    const content: DigestContent = {
      lines: await Promise.all(
        units.map(async (u) => {
          const a = await alertOf(u.rows[0]!);
          return { groupKey: u.groupKey, level: a.level, title: titleText(a, dest.locale), ...(a.url ? { url: a.url } : {}), count: u.rows.length };
        }),
      ),
    };
    const rows = units.flatMap((u) => u.rows);
    // Silent only when no line is of a loud level.
    const silent = silentAt(dest, content.lines.map((l) => l.level), now());
    const messageId = await send(chatId, units[0]!.rows[0]!.threadId, digestRender(content, dest), undefined, silent);
    const at = now();
    await store.transaction(async (tx) => {
      await tx.saveMessage({
        chatId, messageId, threadId: units[0]!.rows[0]!.threadId, groupKey: null, kind: 'digest', count: rows.length,
        firstSeen: Math.min(...rows.map((r) => r.receivedAt)), lastSeen: at, alertId: null,
        content: JSON.stringify(content), updatedAt: at, ...NO_STATE,
      });
      await tx.saveDigestEntries(chatId, units.flatMap((u) => (u.groupKey ? [u.groupKey] : [])), messageId);
      await tx.finish(rows.map((r) => r.id), 'sent', messageId, at);
    });
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
    if (counted > 0) await edit(chatId, msg.messageId, digestRender(content, destOf(chatId, units)));
    const at = now();
    await store.transaction(async (tx) => {
      await tx.saveMessage({ ...msg, count: msg.count + counted, lastSeen: at, content: JSON.stringify(content), updatedAt: at });
      await tx.finish(rows.map((r) => r.id), 'merged', msg.messageId, at);
    });
  }

  return { sendDigest, updateDigest };
}
