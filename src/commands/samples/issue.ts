// Issue lifecycle webhooks: created, resolved, assigned, archived (ignored).
import { SENTRY_URL, ORG, PROJECT, PROJECT_ID, TEST_MARK, INSTALLATION, SENTRY_ACTOR, USER_ACTOR, iso, issueWebUrl, type Ids, type Sample } from './common.js';

type IssueAction = 'created' | 'resolved' | 'assigned' | 'ignored';

function serializedIssue(ids: Ids, now: number, action: IssueAction): Record<string, unknown> {
  const firstSeen = iso(now - 3 * 3600_000);
  const lastSeen = iso(now);
  const created = action === 'created';
  return {
    id: ids.issueId,
    shortId: ids.shortId,
    title: `KeyError: 'user_id' (${TEST_MARK})`,
    culprit: 'accounts.views in profile',
    level: 'error',
    status: action === 'resolved' ? 'resolved' : action === 'ignored' ? 'ignored' : 'unresolved',
    substatus:
      action === 'created' ? 'new' : action === 'ignored' ? 'archived_until_escalating' : action === 'resolved' ? null : 'ongoing',
    statusDetails: {},
    count: created ? '1' : '27',
    userCount: created ? 1 : 9,
    firstSeen: created ? lastSeen : firstSeen,
    lastSeen,
    platform: 'python',
    type: 'error',
    metadata: { type: 'KeyError', value: `'user_id' (${TEST_MARK})`, filename: 'accounts/views.py' },
    project: { id: PROJECT_ID, name: PROJECT, slug: PROJECT, platform: 'python' },
    permalink: issueWebUrl(ids.issueId),
    assignedTo: null,
    annotations: [],
    hasSeen: false,
    isBookmarked: false,
    isPublic: false,
    isSubscribed: false,
    numComments: 0,
  };
}

export function issueSample(action: IssueAction, ids: Ids, now: number): Sample {
  const issue = serializedIssue(ids, now, action);
  const data: Record<string, unknown> = { issue };
  if (action === 'created') {
    issue.web_url = issueWebUrl(ids.issueId);
    issue.project_url = `${SENTRY_URL}/organizations/${ORG}/issues/?project=${PROJECT_ID}`;
  }
  if (action === 'resolved') data.resolution_type = 'now';
  if (action === 'assigned') {
    const assignee = { type: 'user', name: 'Sample User', id: '1', email: 'sample.user@example.com' };
    data.assignee = assignee;
    issue.assignedTo = assignee;
  }
  return {
    resource: 'issue',
    body: {
      action,
      installation: INSTALLATION,
      data,
      actor: action === 'created' ? SENTRY_ACTOR : USER_ACTOR,
    },
  };
}
