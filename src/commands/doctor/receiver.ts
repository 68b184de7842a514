// Receiver checks: something answers /health on HOST:PORT and it is sentry-tg; the public URL
// reaches that same process and not some other one.
import { VERSION } from '../../version.js';
import { checker, type CheckResult, type DoctorEnv } from './check.js';
import { joinUrl } from '../setup/url-check.js';

export interface HealthAnswer {
  status: string;
  version?: string;
  uptimeSeconds?: number;
  /** Not sent by every receiver version; compared when both sides have it. */
  instanceId?: string;
  webhookAuth?: string;
  warnings?: string[];
  /** When the answer arrived (ms), to compare uptimes of two answers. */
  receivedAt: number;
}

type Fetched = { ok: true; health: HealthAnswer } | { ok: false; reason: string; notOurs: boolean };

// Two answers from one process differ in uptime only by the time between them (and rounding).
const UPTIME_SLACK_SECONDS = 2;

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

async function fetchHealth(env: DoctorEnv, base: string): Promise<Fetched> {
  let res: Response;
  let text: string;
  try {
    res = await env.fetch(joinUrl(base, '/health'), {
      headers: { accept: 'application/json', 'ngrok-skip-browser-warning': '1' },
      redirect: 'manual',
      signal: AbortSignal.timeout(env.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    return { ok: false, reason: describeError(err, env.timeoutMs), notOurs: false };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const b = body as Partial<HealthAnswer> | undefined;
  // /health answers 200 when ok and 503 when degraded, both with this shape.
  if ((res.status !== 200 && res.status !== 503) || typeof b !== 'object' || b === null || typeof b.status !== 'string' || typeof b.uptimeSeconds !== 'number') {
    return { ok: false, reason: `answered HTTP ${res.status}, not a sentry-tg /health`, notOurs: true };
  }
  return { ok: true, health: { ...b, status: b.status, receivedAt: env.now() } };
}

/** The address to reach a listener bound to `host` from this machine. */
export function localBase(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

export async function checkReceiver(env: DoctorEnv): Promise<{ result: CheckResult; health: HealthAnswer | null }> {
  const c = checker('receiver', 'Receiver');
  const { port, host, webhookSecret } = env.loaded.settings;
  if (port === 0) return { result: c.skip('PORT=0 picks a random port, so there is no fixed address to check'), health: null };
  const base = localBase(host, port);
  const got = await fetchHealth(env, base);
  if (!got.ok) {
    const result = got.notOurs
      ? c.fail(`${base}: ${got.reason}`, `Another program uses port ${port}: stop it, or run sentry-tg on another --port`)
      : c.fail(`nothing answers ${base}/health (${got.reason})`, 'Start it with `sentry-tg serve` (or check HOST and PORT)');
    return { result, health: null };
  }
  const h = got.health;
  const notes: string[] = [];
  if (h.version !== undefined && h.version !== VERSION) {
    notes.push(`it runs version ${h.version}, this is ${VERSION}: restart it after upgrading`);
  }
  if (h.webhookAuth === 'none' && webhookSecret !== undefined) {
    notes.push('it was started without SENTRY_WEBHOOK_SECRET and accepts unsigned requests: restart it');
  } else if (h.webhookAuth !== undefined && h.webhookAuth !== 'none' && webhookSecret === undefined) {
    notes.push("it checks a webhook secret that this configuration lacks: doctor may be reading another .env than serve");
  }
  const warnings = Array.isArray(h.warnings) ? h.warnings.filter((w) => typeof w === 'string') : [];
  const summary = `${base} answers: ${h.status}, version ${h.version ?? '?'}, up ${h.uptimeSeconds ?? '?'} s`;
  if (h.status !== 'ok' || notes.length > 0) {
    const detail = [summary, ...warnings, ...notes].join('; ');
    return {
      result: c.warn(detail, notes.length > 0 ? 'Restart `sentry-tg serve` with this configuration' : 'See the warnings; `sentry-tg serve` logs say more'),
      health: h,
    };
  }
  return { result: c.ok(summary), health: h };
}

function sameProcess(local: HealthAnswer, remote: HealthAnswer): boolean {
  if (local.instanceId !== undefined && remote.instanceId !== undefined) return local.instanceId === remote.instanceId;
  if (local.version !== remote.version) return false;
  const elapsedSeconds = (remote.receivedAt - local.receivedAt) / 1000;
  return Math.abs((remote.uptimeSeconds ?? 0) - (local.uptimeSeconds ?? 0) - elapsedSeconds) <= UPTIME_SLACK_SECONDS;
}

export async function checkPublicUrl(env: DoctorEnv, local: HealthAnswer | null): Promise<CheckResult> {
  const c = checker('public-url', 'Public URL');
  const publicUrl = env.loaded.settings.publicUrl;
  if (publicUrl === undefined) {
    return c.skip('PUBLIC_URL is not set (with `serve --tunnel` the URL is only known while it runs)');
  }
  const got = await fetchHealth(env, publicUrl);
  if (!got.ok) {
    return got.notOurs
      ? c.fail(`${publicUrl}/health ${got.reason}`, `The tunnel or proxy behind ${publicUrl} must forward to the receiver (${localBase(env.loaded.settings.host, env.loaded.settings.port)})`)
      : c.fail(`${publicUrl} is not reachable (${got.reason})`, 'Start the tunnel or reverse proxy, or correct PUBLIC_URL');
  }
  if (local === null) {
    return c.skip(`${publicUrl} answers as a sentry-tg receiver, but none answers locally to compare it with`);
  }
  if (!sameProcess(local, got.health)) {
    return c.fail(
      `${publicUrl} reaches a different sentry-tg receiver (version ${got.health.version ?? '?'}, up ${got.health.uptimeSeconds} s; local: version ${local.version ?? '?'}, up ${local.uptimeSeconds} s)`,
      `Point the tunnel or proxy at ${localBase(env.loaded.settings.host, env.loaded.settings.port)}, or stop the other receiver`,
    );
  }
  return c.ok(`${publicUrl} reaches this receiver`);
}
