// What makes `npm run bench` fail: the storm's delivery promises, checked on its figures.

/** The storm's promises; each broken one as a sentence. */
export function stormVerdict(r: { rateLimited: number; accepted: number; reflected: number; pending: number; undeliverable: number }): string[] {
  const broken: string[] = [];
  if (r.rateLimited > 0) broken.push(`Telegram answered ${r.rateLimited} × 429: the pacing let too many calls through`);
  if (r.pending > 0) broken.push(`${r.pending} alert(s) still waiting when the bench gave up`);
  if (r.undeliverable > 0) broken.push(`${r.undeliverable} alert(s) parked as undeliverable`);
  if (r.reflected < r.accepted) broken.push(`${r.accepted - r.reflected} accepted alert(s) not shown in any message, counter or digest line`);
  if (r.reflected > r.accepted) broken.push(`${r.reflected - r.accepted} alert(s) shown more than once`);
  return broken;
}
