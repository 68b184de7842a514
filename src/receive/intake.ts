// Accepting a webhook means committing it durably before we answer. Requests that arrive in
// the same turn of the event loop share one transaction (one fsync): group commit keeps
// `synchronous=FULL` affordable under load without delaying a lone request.
// Routing fans an alert out: one outbox row per target chat (and topic), all in that same
// transaction. An alert no route takes and no default catches is acknowledged, not stored, and
// reported (`unrouted`) so the receiver counts and logs it.
import type { Alert } from '../normalise/alert.js';
import { normalise } from '../normalise/normalise.js';
import { singleChatRoutes, type RoutesConfig } from '../route/config.js';
import { matchRoutes } from '../route/match.js';
import type { RouteConfig } from '../route/route.js';
import { groupKey } from '../group/group-key.js';
import type { AsyncStore } from '../store/async-store.js';
import type { NewAlertRow } from '../store/store.js';
import type { StorageStatus } from './storage-status.js';

export interface IntakeInput {
  body: Buffer;
  parsed: unknown;
  resource: string | undefined;
  requestId: string | undefined;
}

export interface Accepted {
  id: number | null;
  duplicate: boolean;
  alert: Alert;
  /** Acknowledged but not stored: the alert's project is not one this receiver posts for. */
  outOfScope?: boolean;
  /** Acknowledged but not stored: no route matched and the routes file has no default. */
  unrouted?: boolean;
  /** The routes whose targets got a new row (empty for a duplicate). */
  routes?: string[];
}

interface IntakeBase {
  store: Pick<AsyncStore, 'acceptMany' | 'durable'>;
  now: () => number;
  /** Called after each commit with the chats that have new work, to wake the dispatcher. */
  onAccepted: (chatIds: string[]) => void;
  /** Told of every commit-and-fsync that failed or succeeded (for /health). */
  storage?: Pick<StorageStatus, 'failed' | 'ok'>;
  /** False for an alert of a project this receiver does not post for (see route/scope.ts). */
  inScope?: (alert: Alert) => boolean;
  /** Told of each alert no route took (after scope), before it is answered. */
  onUnrouted?: (alert: Alert) => void;
  /** Told, once a commit is on disk, of the routes each new row was made for (metrics). */
  onRouted?: (routes: readonly string[]) => void;
  /**
   * A webhook whose commit has not been confirmed within this many ms is answered with an error
   * (503), well inside Sentry's 1 s timeout: the row may still commit, but it is never claimed.
   * Unset: wait for the store (SQLite, whose commit is local).
   */
  acceptTimeoutMs?: number;
}

/** The database did not confirm a commit in time: the alert's fate is unknown, so it is not claimed. */
export class AcceptTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`the database did not confirm the commit within ${ms} ms`);
  }
}

/** The checked routes, or the single chat from .env (today's behaviour, singleChatRoutes). */
export type IntakeDeps = IntakeBase & ({ routes: RoutesConfig } | { routeConfig: RouteConfig });

export type Intake = ReturnType<typeof createIntake>;

const REQUEST_ID = /^[0-9a-f-]{8,64}$/i;

export function createIntake(deps: IntakeDeps) {
  const routes = 'routes' in deps ? deps.routes : singleChatRoutes(deps.routeConfig.chatId, deps.routeConfig.topicId);
  type Pending = { rows: NewAlertRow[]; alert: Alert; resolve: (a: Accepted) => void; reject: (e: unknown) => void };
  let batch: Pending[] = [];

  async function flush(): Promise<void> {
    const current = batch;
    batch = [];
    let results: { id: number | null; duplicate: boolean }[];
    try {
      results = await deps.store.acceptMany(current.flatMap((b) => b.rows));
    } catch (err) {
      deps.storage?.failed(deps.now(), err);
      for (const b of current) b.reject(err);
      return;
    }
    // Answer only once the commit is on disk; the dispatcher may start at once, since a
    // delivery of a commit that is later lost to a power cut is only a harmless extra message.
    deps.onAccepted([...new Set(current.flatMap((b) => b.rows.map((r) => r.chatId)))]);
    deps.store.durable().then(
      () => {
        deps.storage?.ok();
        let at = 0;
        for (const b of current) {
          const mine = results.slice(at, at + b.rows.length);
          at += b.rows.length;
          // One answer per webhook: the first new row's id; a duplicate only when every target had it.
          const fresh = mine.map((r, i) => ({ ...r, route: b.rows[i]!.route ?? null })).filter((r) => !r.duplicate);
          const routeNames = fresh.map((r) => r.route ?? 'default');
          if (routeNames.length) deps.onRouted?.(routeNames);
          b.resolve({ id: fresh[0]?.id ?? null, duplicate: fresh.length === 0, alert: b.alert, routes: routeNames });
        }
      },
      (err: unknown) => {
        // The rows are committed but may not be on disk: the sender must not be told they are.
        deps.storage?.failed(deps.now(), err);
        current.forEach((b) => b.reject(err));
      },
    );
  }

  return {
    accept(input: IntakeInput): Promise<Accepted> {
      const alert = normalise({ resource: input.resource, body: input.parsed });
      if (deps.inScope && !deps.inScope(alert)) return Promise.resolve({ id: null, duplicate: false, alert, outOfScope: true });
      const targets = matchRoutes(alert, routes);
      if (targets.length === 0) {
        deps.onUnrouted?.(alert);
        return Promise.resolve({ id: null, duplicate: false, alert, unrouted: true });
      }
      const common = {
        receivedAt: deps.now(),
        // Only a well-formed Request-ID is trusted as an idempotency key.
        requestId: input.requestId && REQUEST_ID.test(input.requestId) ? input.requestId.toLowerCase() : null,
        dedupKey: alert.dedupKey,
        resource: alert.resource,
        action: alert.action,
        body: input.body,
        groupKey: groupKey(alert),
        // Stored with the row so the dispatcher does not normalise the body a second time.
        alert: JSON.stringify(alert),
      };
      // Without a routes file the one target is the .env chat, as route `default`.
      const rows: NewAlertRow[] = targets.map((t) => ({
        ...common,
        chatId: t.chatId,
        threadId: t.topicId,
        route: t.routeName,
      }));
      const stored = new Promise<Accepted>((resolve, reject) => {
        if (batch.length === 0) setImmediate(() => void flush());
        batch.push({ rows, alert, resolve, reject });
      });
      const limit = deps.acceptTimeoutMs;
      if (!limit) return stored;
      return new Promise<Accepted>((resolve, reject) => {
        const timer = setTimeout(() => {
          const err = new AcceptTimeoutError(limit);
          deps.storage?.failed(deps.now(), err);
          reject(err);
        }, limit);
        stored.then(
          (a) => {
            clearTimeout(timer);
            resolve(a);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    },
  };
}
