// Accepting a webhook means committing it durably before we answer. Requests that arrive in
// the same turn of the event loop share one transaction (one fsync): group commit keeps
// `synchronous=FULL` affordable under load without delaying a lone request.
import type { Alert } from '../normalise/alert.js';
import { normalise } from '../normalise/normalise.js';
import { route, type RouteConfig } from '../route/route.js';
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
}

export interface IntakeDeps {
  store: Pick<AsyncStore, 'acceptMany' | 'durable'>;
  routeConfig: RouteConfig;
  now: () => number;
  /** Called after each commit with the chats that have new work, to wake the dispatcher. */
  onAccepted: (chatIds: string[]) => void;
  /** Told of every commit-and-fsync that failed or succeeded (for /health). */
  storage?: Pick<StorageStatus, 'failed' | 'ok'>;
  /** False for an alert of a project this receiver does not post for (see route/scope.ts). */
  inScope?: (alert: Alert) => boolean;
}

export type Intake = ReturnType<typeof createIntake>;

const REQUEST_ID = /^[0-9a-f-]{8,64}$/i;

export function createIntake(deps: IntakeDeps) {
  let batch: { row: NewAlertRow; alert: Alert; resolve: (a: Accepted) => void; reject: (e: unknown) => void }[] = [];

  async function flush(): Promise<void> {
    const current = batch;
    batch = [];
    let results: { id: number | null; duplicate: boolean }[];
    try {
      results = await deps.store.acceptMany(current.map((b) => b.row));
    } catch (err) {
      deps.storage?.failed(deps.now(), err);
      for (const b of current) b.reject(err);
      return;
    }
    // Answer only once the commit is on disk; the dispatcher may start at once, since a
    // delivery of a commit that is later lost to a power cut is only a harmless extra message.
    deps.onAccepted([...new Set(current.map((b) => b.row.chatId))]);
    deps.store.durable().then(
      () => {
        deps.storage?.ok();
        current.forEach((b, i) => b.resolve({ ...results[i]!, alert: b.alert }));
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
      const target = route(alert, deps.routeConfig);
      const row: NewAlertRow = {
        receivedAt: deps.now(),
        // Only a well-formed Request-ID is trusted as an idempotency key.
        requestId: input.requestId && REQUEST_ID.test(input.requestId) ? input.requestId.toLowerCase() : null,
        dedupKey: alert.dedupKey,
        resource: alert.resource,
        action: alert.action,
        body: input.body,
        chatId: target.chatId,
        threadId: target.threadId,
        groupKey: groupKey(alert),
        // Stored with the row so the dispatcher does not normalise the body a second time.
        alert: JSON.stringify(alert),
      };
      return new Promise((resolve, reject) => {
        if (batch.length === 0) setImmediate(() => void flush());
        batch.push({ row, alert, resolve, reject });
      });
    },
  };
}
