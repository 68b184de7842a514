// Two `serve` processes (the real binary) sharing one PostgreSQL database, against the fake
// Telegram with its real limits: webhooks spread over both replicas are each delivered once with
// no 429 (chat leases and the bot-wide send slot live in the database); the same Request-ID sent
// to both at once makes one alert; a replica killed with -9 in a storm loses nothing; when the
// replica reading updates dies, the other takes over and answers a command.
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receive/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { SECRET, sentryRequest, tempDir } from '../helpers.js';
import { describePg, dropSchema, freshSchema, inSchema, TEST_DATABASE_URL } from '../store/pg/pg-helpers.js';
import { serveEnv, startServe, type Child } from './serve-child.js';

const GROUP = -1001777000111;

interface Rig {
  tg: FakeTelegram;
  schema: string;
  env: (name: string) => Record<string, string>;
  started: Child[];
  cleanup(): Promise<void>;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.cleanup();
  rig = undefined;
});

/** The database URL with every connection's search_path set to the test's own schema. */
function urlFor(schema: string): string {
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('options', `-csearch_path=${schema}`);
  return u.toString();
}

async function setUp(): Promise<Rig> {
  const schema = freshSchema();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const tg = await startFakeTelegram(); // Telegram's real limits
  tg.addChat({ id: GROUP, type: 'supergroup', title: 'Ops' });
  const dirs: ReturnType<typeof tempDir>[] = [];
  const started: Child[] = [];
  const r: Rig = {
    tg,
    schema,
    started,
    env: (name) => {
      const dir = tempDir('sentry-tg-replica-');
      dirs.push(dir);
      return {
        ...serveEnv(tg, GROUP, SECRET, dir.path),
        SENTRY_TG_DATABASE_URL: urlFor(schema),
        SENTRY_TG_REPLICA_ID: name,
      };
    },
    async cleanup() {
      for (const c of started) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(started.map((c) => c.exited.catch(() => undefined)));
      await tg.close();
      for (const d of dirs) d.cleanup();
      await dropSchema(schema);
    },
  };
  rig = r;
  return r;
}

async function serve(r: Rig, name: string): Promise<Child> {
  const child = await startServe(r.env(name));
  r.started.push(child);
  return child;
}

function payload(i: number, tag = 'Replica') {
  return {
    action: 'triggered',
    data: {
      event: {
        event_id: `rep${i}z`.padEnd(32, '0'),
        title: `${tag}#${i}#`,
        level: 'error',
        issue_id: `93${i}`,
        web_url: `https://sentry.io/organizations/acme/issues/93${i}/`,
      },
      triggered_rule: 'replica test',
    },
  };
}

async function post(url: string, i: number, opts: { tag?: string; requestId?: string } = {}): Promise<number> {
  const { body, headers } = sentryRequest(payload(i, opts.tag), { resource: 'event_alert', ...(opts.requestId ? { requestId: opts.requestId } : {}) });
  return (await fetch(url + WEBHOOK_PATH, { method: 'POST', headers, body })).status;
}

interface HealthBody {
  status: string;
  replica: { id: string; leader: boolean; database: string; reachable: boolean };
  queue: { pending: number; undeliverable: number };
}

async function health(c: Child): Promise<HealthBody> {
  return (await (await fetch(c.url + '/health')).json()) as HealthBody;
}

/** How many times each alert's title shows in the group (its own message or a digest line). */
function shownCounts(tg: FakeTelegram, n: number, tag = 'Replica'): number[] {
  const texts = tg.messagesIn(GROUP).map((m) => m.text);
  return Array.from({ length: n }, (_, i) => texts.reduce((sum, t) => sum + t.split(`${tag}#${i}#`).length - 1, 0));
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describePg('two serve replicas on one PostgreSQL database', () => {
  it('webhooks spread over both replicas: every alert delivered once, no 429, /health shows the replica', async () => {
    const r = await setUp();
    const [a, b] = await Promise.all([serve(r, 'replica-a'), serve(r, 'replica-b')]);
    const N = 40;
    const codes = await Promise.all(Array.from({ length: N }, (_, i) => post(i % 2 === 0 ? a.url : b.url, i)));
    expect(codes.every((c) => c === 202)).toBe(true);
    await r.tg.waitFor(() => shownCounts(r.tg, N).every((n) => n >= 1), 60_000);
    // Both show the shared queue (from the database, refreshed every 2 s), drained.
    const empty = (c: Child) => until(async () => ((await health(c)).queue.pending === 0 ? health(c) : null), 15_000, 'queue empty');
    const [ha, hb] = await Promise.all([empty(a), empty(b)]);
    expect(shownCounts(r.tg, N)).toEqual(Array.from({ length: N }, () => 1));
    expect(r.tg.rateLimited).toBe(0);
    expect(ha.replica).toMatchObject({ id: 'replica-a', database: 'postgres', reachable: true });
    expect(hb.replica).toMatchObject({ id: 'replica-b', database: 'postgres', reachable: true });
    // Exactly one reads the updates.
    const leaders = [ha, hb].filter((h) => h.replica.leader).length;
    expect(leaders).toBeLessThanOrEqual(1);
    await until(async () => [(await health(a)).replica.leader, (await health(b)).replica.leader].filter(Boolean).length === 1, 20_000, 'one leader');
    // Only one replica long-polls: Telegram never had to end a poll for another.
    expect(r.tg.calls.filter((c) => c.method === 'getUpdates' && c.status === 409)).toEqual([]);
  }, 120_000);

  it('the same Request-ID sent to both replicas at once makes one alert', async () => {
    const r = await setUp();
    const [a, b] = await Promise.all([serve(r, 'replica-a'), serve(r, 'replica-b')]);
    const N = 5;
    for (let i = 0; i < N; i++) {
      const requestId = `0f1e2d3c4b5a6978${String(i).padStart(16, '0')}`;
      const codes = await Promise.all([post(a.url, i, { tag: 'Twice', requestId }), post(b.url, i, { tag: 'Twice', requestId })]);
      expect(codes.every((c) => c === 202 || c === 200)).toBe(true);
    }
    await r.tg.waitFor(() => shownCounts(r.tg, N, 'Twice').every((n) => n >= 1), 30_000);
    await until(async () => (await health(a)).queue.pending === 0, 15_000, 'queue empty');
    expect(shownCounts(r.tg, N, 'Twice')).toEqual(Array.from({ length: N }, () => 1));
    expect(r.tg.rateLimited).toBe(0);
  }, 90_000);

  it('kill -9 of the replica serving the group while its send is in flight, then restart: every alert delivered, only that send repeated, no 429', async () => {
    const r = await setUp();
    const replicasByName = new Map<string, Child>();
    for (const name of ['replica-a', 'replica-b']) replicasByName.set(name, await serve(r, name));
    const [a, b] = [...replicasByName.values()] as [Child, Child];
    const N = 30;
    for (let i = 0; i < N / 2; i++) expect(await post(i % 2 === 0 ? a.url : b.url, i, { tag: 'Storm' })).toBe(202);
    await r.tg.waitFor((t) => t.messagesIn(GROUP).length >= 1, 20_000);
    // The next send is posted by Telegram but its answer never comes: it is in flight when the
    // replica that made it (the one holding the group's lease) is killed.
    for (let i = N / 2; i < N / 2 + 5; i++) expect(await post(i % 2 === 0 ? a.url : b.url, i, { tag: 'Storm' })).toBe(202);
    r.tg.failNext('sendMessage', 'lost-answer', 1);
    const lost = await r.tg.waitFor((t) => t.calls.find((c) => c.fault === 'lost-answer'), 30_000);
    const [lease] = await inSchema<{ holder: string }>(r.schema, 'SELECT holder FROM leases WHERE name = $1', [`chat:${GROUP}`]);
    const victim = replicasByName.get(lease!.holder)!;
    const survivor = victim === a ? b : a;
    victim.proc.kill('SIGKILL');
    await victim.exited;
    r.tg.clearFaults();
    for (let i = N / 2 + 5; i < N; i++) expect(await post(survivor.url, i, { tag: 'Storm' })).toBe(202);
    const again = await serve(r, `${lease!.holder}-again`);
    await r.tg.waitFor(() => shownCounts(r.tg, N, 'Storm').every((n) => n >= 1), 90_000);
    await until(async () => (await health(again)).queue.pending === 0, 30_000, 'queue empty');
    const counts = shownCounts(r.tg, N, 'Storm');
    const inFlight = new Set([...String(lost.params.text).matchAll(/Storm#(\d+)#/g)].map((m) => Number(m[1])));
    const repeated = counts.flatMap((n, i) => (n > 1 ? [i] : []));
    console.log(
      `replica kill -9 in a storm: ${N} alerts, ${r.tg.messagesIn(GROUP).length} messages, ${inFlight.size} alert(s) in the send in flight, ` +
        `repeated: [${repeated.join(', ')}], 429s: ${r.tg.rateLimited}`,
    );
    expect(inFlight.size).toBeGreaterThanOrEqual(1);
    expect(counts.every((n) => n >= 1)).toBe(true);
    // Only alerts of the send in flight at the kill may show twice, and at most twice.
    expect(repeated.every((i) => inFlight.has(i))).toBe(true);
    expect(counts.every((n) => n <= 2)).toBe(true);
    expect(r.tg.rateLimited).toBe(0);
  }, 180_000);

  it('leader failover: the replica reading updates is killed; the other takes over and answers /status', async () => {
    const r = await setUp();
    const a = await serve(r, 'replica-a');
    const b = await serve(r, 'replica-b');
    const leader = await until(
      async () => {
        const [ha, hb] = [await health(a), await health(b)];
        return ha.replica.leader ? { dead: a, alive: b } : hb.replica.leader ? { dead: b, alive: a } : null;
      },
      20_000,
      'a leader',
    );
    // The leader answers a command.
    r.tg.pushMessage(GROUP, '/status');
    await r.tg.waitFor((t) => t.messagesIn(GROUP).filter((m) => m.text.startsWith('sentry-tg ')).length === 1, 20_000);
    leader.dead.proc.kill('SIGKILL');
    await leader.dead.exited;
    const killedAt = Date.now();
    r.tg.pushMessage(GROUP, '/status');
    // Takeover within 30 s (lease 15 s, looked at every 5 s), plus the answer's paced turn.
    await r.tg.waitFor((t) => t.messagesIn(GROUP).filter((m) => m.text.startsWith('sentry-tg ')).length === 2, 35_000);
    console.log(`leader failover: /status answered ${Date.now() - killedAt} ms after the leader was killed`);
    expect((await health(leader.alive)).replica.leader).toBe(true);
  }, 90_000);
});
