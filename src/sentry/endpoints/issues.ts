// Changing one issue (resolve, ignore, assign): what the Telegram action buttons call.
import type { Transport } from '../http.js';
import { issueSchema } from '../schemas.js';
import type { SentryApi } from '../types.js';
import { enc, expectShape } from './decode.js';

export function issueEndpoints(t: Transport): Pick<SentryApi, 'updateIssue'> {
  return {
    async updateIssue(org, issueId, body) {
      const path = `/api/0/organizations/${enc(org)}/issues/${enc(issueId)}/`;
      const answer = await t.call('updateIssue', 'PUT', path, { body });
      return expectShape(t, issueSchema, answer.body, 'PUT', path, 'expected the issue');
    },
  };
}
