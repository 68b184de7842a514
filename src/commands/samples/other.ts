// Comments, Seer analysis, and a payload of a kind sentry-tg does not know.
import { PROJECT, TEST_MARK, INSTALLATION, SENTRY_ACTOR, USER_ACTOR, iso, type Ids, type Sample } from './common.js';

export function commentSample(ids: Ids, now: number): Sample {
  return {
    resource: 'comment',
    body: {
      action: 'created',
      installation: INSTALLATION,
      data: {
        comment: `Looking into this now. (This comment is a ${TEST_MARK}.)`,
        project_slug: PROJECT,
        comment_id: ids.small,
        issue_id: Number(ids.issueId),
        timestamp: iso(now),
      },
      actor: USER_ACTOR,
    },
  };
}

export function seerSample(ids: Ids): Sample {
  return {
    resource: 'seer',
    body: {
      action: 'root_cause_completed',
      installation: INSTALLATION,
      actor: SENTRY_ACTOR,
      data: {
        run_id: ids.small,
        group_id: Number(ids.issueId),
        root_cause: {
          description: `The profile view reads session['user_id'] before login has set it. (This analysis is a ${TEST_MARK}.)`,
          steps: [
            {
              title: 'An anonymous visitor opens /profile.',
              code_snippet_and_analysis: 'The request reaches the view without a session.',
              timeline_item_type: 'human_action',
              relevant_code_file: { file_path: 'N/A', repo_name: 'N/A' },
              is_most_important_event: false,
            },
            {
              title: "The view reads session['user_id'] without checking it.",
              code_snippet_and_analysis: 'A missing key raises KeyError.',
              timeline_item_type: 'internal_code',
              relevant_code_file: { file_path: 'accounts/views.py', repo_name: 'example-org/sample-app' },
              is_most_important_event: true,
            },
          ],
        },
      },
    },
  };
}

export function unknownSample(ids: Ids, now: number): Sample {
  // A resource Sentry might add one day: the receiver must still say what arrived.
  return {
    resource: 'sentry_tg_test',
    body: {
      action: 'created',
      installation: INSTALLATION,
      actor: SENTRY_ACTOR,
      data: {
        message: `A payload of a kind sentry-tg does not know (${TEST_MARK})`,
        id: ids.eventId,
        timestamp: iso(now),
      },
    },
  };
}
