// Seer (Sentry's AI analysis) progress for an issue: root cause, solution, code changes, pull
// requests, as fields of one alert.
import type { Alert, Field } from './alert.js';
import { arr, httpUrl, idStr, obj, str, whole, type Envelope, type Obj } from './readers.js';
import { dedupKey, field, MAX_LISTED } from './fields.js';
import { capitalise, humanise } from './text.js';

const SEER_TITLES = new Map([
  ['root_cause_started', 'Root cause analysis started'],
  ['root_cause_completed', 'Root cause found'],
  ['solution_started', 'Looking for a solution'],
  ['solution_completed', 'Solution found'],
  ['coding_started', 'Coding started'],
  ['coding_completed', 'Code changes ready'],
  ['pr_created', 'Pull request created'],
]);

function notApplicable(s: string | undefined): string | undefined {
  return s === 'N/A' ? undefined : s;
}

function rootCauseFields(rootCause: Obj | undefined): Field[] {
  const key = arr(rootCause?.steps)
    .map(obj)
    .find((step) => step?.is_most_important_event === true);
  if (key === undefined) return [];
  const file = obj(key.relevant_code_file);
  const path = notApplicable(str(file?.file_path));
  const repo = notApplicable(str(file?.repo_name));
  return [
    ...field('Key step', str(key.title)),
    ...field('File', path !== undefined && repo !== undefined ? `${path} (${repo})` : path),
  ];
}

function solutionFields(solution: Obj | undefined): Field[] {
  return arr(solution?.steps)
    .slice(0, MAX_LISTED)
    .map((step) => str(obj(step)?.title))
    .flatMap((title, i) => field(`Step ${i + 1}`, title));
}

function changeFields(changes: readonly unknown[]): Field[] {
  const listed = changes.slice(0, MAX_LISTED).map(obj);
  return [
    ...listed.flatMap((change) => {
      const title = str(change?.title);
      const repo = str(change?.repo_name);
      const both = title !== undefined && repo !== undefined;
      return field('Change', both ? `${repo}: ${title}` : (title ?? repo));
    }),
    ...field('Branch', str(listed[0]?.branch_name)),
  ];
}

interface PullRequest {
  label: string | undefined;
  url: string | undefined;
}

/** Newer payloads nest `{pr_number, pr_url}` under `pull_request`; older ones are flat. */
function pullRequests(list: readonly unknown[]): PullRequest[] {
  return list.slice(0, MAX_LISTED).map((item) => {
    const entry = obj(item);
    const pr = obj(entry?.pull_request) ?? entry;
    const number = whole(pr?.pr_number);
    const url = httpUrl(pr?.pr_url);
    const name = [str(entry?.repo_name), number !== undefined ? `#${number}` : undefined]
      .filter((s) => s !== undefined)
      .join(' ');
    return { label: name || url, url };
  });
}

export function normaliseSeer(env: Envelope): Alert | null {
  const { data, action } = env;
  if (data === undefined) return null;
  const rootCause = obj(data.root_cause);
  const solution = obj(data.solution);
  const changes = arr(data.changes);
  const prs = pullRequests(arr(data.pull_requests));
  const runId = idStr(data.run_id);
  const groupId = idStr(data.group_id);
  return {
    kind: 'seer',
    source: 'integration',
    resource: env.resource,
    action,
    level: null,
    title: SEER_TITLES.get(action) ?? `Seer: ${capitalise(humanise(action)) || 'update'}`,
    titlePhrase: { kind: 'seer', action },
    text:
      str(rootCause?.description) ??
      str(solution?.description) ??
      str(obj(changes[0])?.description) ??
      str(data.description),
    issueId: groupId,
    url: prs.find((pr) => pr.url !== undefined)?.url,
    fields: [
      ...rootCauseFields(rootCause),
      ...solutionFields(solution),
      ...changeFields(changes),
      ...prs.flatMap((pr) => field('Pull request', pr.label)),
    ],
    dedupKey:
      runId === undefined && groupId === undefined ? null : dedupKey(['seer', action, runId, groupId]),
  };
}
