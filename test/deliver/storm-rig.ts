// A dispatcher with production settings (no PacingConfig or StormConfig overrides) on a real
// store with the default fsync, against the fake Telegram enforcing its real limits, both on one
// virtual clock so minutes of Telegram time pass in seconds. The clock moves on every real
// millisecond, also while a request is in flight: calls reach the fake a little later than the
// pacer planned them, as they would over a network.
import { asyncStore } from '../../src/store/async-store.js';
import { createDispatcher, type ActionsConfig, type Dispatcher } from '../../src/deliver/dispatcher.js';
import type { Locale } from '../../src/i18n/index.js';
import { createTelegramStatus } from '../../src/telegram/reachability.js';
import { createTelegram, type Telegram } from '../../src/telegram/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { createIntake, type Intake } from '../../src/receive/intake.js';
import { openStore, type Store } from '../../src/store/store.js';
import { DEFAULT_LIMITS } from '../fakes/telegram-limits.js';
import { startFakeTelegram, type CallRecord, type FakeMessage, type FakeTelegram, type FakeTelegramOptions } from '../fakes/telegram.js';
import { tempDir } from '../helpers.js';

export interface StormRig {
  tg: FakeTelegram;
  store: Store;
  telegram: Telegram;
  dispatcher: Dispatcher;
  intake: Intake;
  now: () => number;
  /** Virtual ms per real tick. */
  stepMs: number;
  /** Moves the clock one step and lets the dispatcher look again. */
  tick(): Promise<void>;
  /** Ticks until `done()` or `budgetMs` of virtual time; false when the budget ran out. */
  runUntil(done: () => boolean, budgetMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface StormRigOptions {
  stepMs?: number;
  /** Write-back on: issue messages carry Resolve / Archive buttons. */
  actions?: ActionsConfig;
  /** SENTRY_TG_LOCALE; English when absent. */
  locale?: Locale;
  /** Fake options other than the clock and the limits, which stay real. */
  fake?: Omit<FakeTelegramOptions, 'now' | 'limits'>;
}

export async function startStormRig(chatId: number, opts: StormRigOptions = {}): Promise<StormRig> {
  let virtualMs = Date.UTC(2026, 0, 5, 9, 0, 0);
  const now = () => virtualMs;
  const tg = await startFakeTelegram({ ...opts.fake, now, limits: DEFAULT_LIMITS });
  const dir = tempDir('sentry-tg-storm-');
  const store = openStore({ dataDir: dir.path }); // default fsync: full
  const telegram = createTelegram({ apiRoot: tg.url, token: tg.token });
  const dispatcher = createDispatcher({
    store: asyncStore(store),
    telegram,
    logger: silentLogger(),
    status: createTelegramStatus(),
    now,
    ...(opts.actions ? { actions: opts.actions } : {}),
    ...(opts.locale ? { locale: opts.locale } : {}),
  });
  const intake = createIntake({ store: asyncStore(store), routeConfig: { chatId: String(chatId) }, now, onAccepted: (ids) => dispatcher.wake(ids) });
  dispatcher.start();
  const stepMs = opts.stepMs ?? 100;
  const rig: StormRig = {
    tg,
    store,
    telegram,
    dispatcher,
    intake,
    now,
    stepMs,
    async tick() {
      virtualMs += stepMs;
      dispatcher.wake([]);
      await new Promise((r) => setTimeout(r, 1));
    },
    async runUntil(done, budgetMs) {
      const end = virtualMs + budgetMs;
      while (!done()) {
        if (virtualMs >= end) return false;
        await rig.tick();
      }
      return true;
    },
    async close() {
      await dispatcher.stop(1000);
      store.close();
      await tg.close();
      dir.cleanup();
    },
  };
  return rig;
}

/** An issue alert for issue `n`; its title is `Storm#n#` so counts can be read back from text. */
export function stormAlert(n: number, seq: number) {
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: `st${n}x${seq}y`.padEnd(32, "0").slice(0, 32),
        title: `Storm#${n}#`,
        level: 'error',
        issue_id: String(7000 + n),
        web_url: `https://sentry.io/organizations/acme/issues/${7000 + n}/`,
        url: `https://sentry.io/api/0/projects/acme/web/events/st${seq}/`,
      },
      triggered_rule: 'storm',
    },
  };
}

export function accept(intake: Intake, payload: unknown) {
  return intake.accept({ body: Buffer.from(JSON.stringify(payload)), parsed: payload, resource: 'event_alert', requestId: undefined });
}

/**
 * How many alerts of each issue the chat shows: an issue message counts 1 or its "Seen N
 * times"; a digest line counts 1 or its "×N". An issue shown twice is counted twice.
 */
export function shownCounts(messages: readonly FakeMessage[]): Map<number, number> {
  const shown = new Map<number, number>();
  const add = (n: number, count: number) => shown.set(n, (shown.get(n) ?? 0) + count);
  for (const m of messages) {
    if (m.text.includes('SENTRY DIGEST')) {
      for (const line of m.text.matchAll(/Storm#(\d+)#(?: ×(\d+))?/g)) add(Number(line[1]), Number(line[2] ?? 1));
    } else {
      const issue = /Storm#(\d+)#/.exec(m.text);
      if (issue) add(Number(issue[1]), Number(/Seen (\d+) times/.exec(m.text)?.[1] ?? 1));
    }
  }
  return shown;
}

/** With STORM_DEBUG set: one line per call, seconds since the first, to see the pacing. */
export function logTimeline(calls: readonly CallRecord[]): void {
  if (!process.env.STORM_DEBUG || calls.length === 0) return;
  const t0 = calls[0]!.atMs;
  console.log(calls.map((c) => `${((c.atMs - t0) / 1000).toFixed(1)} ${c.method} ${c.status} ${String(c.params.text ?? '').slice(0, 30)}`).join('\n'));
}
