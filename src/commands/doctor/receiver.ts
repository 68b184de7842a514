// Receiver checks: something answers /health on HOST:PORT and it is sentry-tg; the public URL
// reaches that same process and not some other one.
import { VERSION } from '../../version.js';
import { cliText, type CliText } from '../../i18n/cli.js';
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

function describeError(err: unknown, timeoutMs: number, t: CliText): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return t('doctor.rx.timeout', { ms: timeoutMs });
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

async function fetchHealth(env: DoctorEnv, base: string, t: CliText): Promise<Fetched> {
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
    return { ok: false, reason: describeError(err, env.timeoutMs, t), notOurs: false };
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
    return { ok: false, reason: t('doctor.rx.notOurs', { status: res.status }), notOurs: true };
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
  const t = cliText(env.loaded.settings.locale);
  const { port, host, webhookSecret } = env.loaded.settings;
  if (port === 0) return { result: c.skip(t('doctor.rx.randomPort')), health: null };
  const base = localBase(host, port);
  const got = await fetchHealth(env, base, t);
  if (!got.ok) {
    const result = got.notOurs
      ? c.fail(`${base}: ${got.reason}`, t('doctor.rx.otherProgram', { port }))
      : c.fail(t('doctor.rx.nothing', { base, reason: got.reason }), t('doctor.rx.nothingFix'));
    return { result, health: null };
  }
  const h = got.health;
  const notes: string[] = [];
  if (h.version !== undefined && h.version !== VERSION) {
    notes.push(t('doctor.rx.version', { version: h.version, ours: VERSION }));
  }
  if (h.webhookAuth === 'none' && webhookSecret !== undefined) {
    notes.push(t('doctor.rx.unsigned'));
  } else if (h.webhookAuth !== undefined && h.webhookAuth !== 'none' && webhookSecret === undefined) {
    notes.push(t('doctor.rx.otherEnv'));
  }
  const warnings = Array.isArray(h.warnings) ? h.warnings.filter((w) => typeof w === 'string') : [];
  const summary = t('doctor.rx.answers', { base, status: h.status, version: h.version ?? '?', uptime: h.uptimeSeconds ?? '?' });
  if (h.status !== 'ok' || notes.length > 0) {
    const detail = [summary, ...warnings, ...notes].join('; ');
    return {
      result: c.warn(detail, notes.length > 0 ? t('doctor.rx.restartFix') : t('doctor.rx.warningsFix')),
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
  const t = cliText(env.loaded.settings.locale);
  const publicUrl = env.loaded.settings.publicUrl;
  if (publicUrl === undefined) {
    return c.skip(t('doctor.url.unset'));
  }
  const got = await fetchHealth(env, publicUrl, t);
  if (!got.ok) {
    return got.notOurs
      ? c.fail(`${publicUrl}/health ${got.reason}`, t('doctor.url.forwardFix', { url: publicUrl, local: localBase(env.loaded.settings.host, env.loaded.settings.port) }))
      : c.fail(t('doctor.url.unreachable', { url: publicUrl, reason: got.reason }), t('doctor.url.unreachableFix'));
  }
  if (local === null) {
    return c.skip(t('doctor.url.noLocal', { url: publicUrl }));
  }
  if (!sameProcess(local, got.health)) {
    return c.fail(
      t('doctor.url.different', {
        url: publicUrl,
        version: got.health.version ?? '?',
        uptime: String(got.health.uptimeSeconds),
        localVersion: local.version ?? '?',
        localUptime: String(local.uptimeSeconds),
      }),
      t('doctor.url.differentFix', { local: localBase(env.loaded.settings.host, env.loaded.settings.port) }),
    );
  }
  return c.ok(t('doctor.url.ok', { url: publicUrl }));
}
