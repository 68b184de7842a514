// Issue alert rules of a project: list, create (a duplicate is a success), update in place.
import { SentryApiError } from '../errors.js';
import type { Answer, Transport } from '../http.js';
import { decodeEach, ruleSchema } from '../schemas.js';
import type { SentryApi } from '../types.js';
import { enc, expectShape, projectPath } from './decode.js';

type RuleCalls = Pick<SentryApi, 'listRules' | 'createRule' | 'updateRule'>;

const DUPLICATE_RULE = /exact duplicate of '(.*)' in this project/s;

export function ruleEndpoints(t: Transport): RuleCalls {
  return {
    async listRules(org, project) {
      return decodeEach(ruleSchema, await t.list('listRules', `${projectPath(org, project)}/rules/`));
    },

    async createRule(org, project, rule) {
      const path = `${projectPath(org, project)}/rules/`;
      let answer: Answer;
      try {
        answer = await t.call('createRule', 'POST', path, { body: rule });
      } catch (error) {
        const duplicate = error instanceof SentryApiError ? duplicateOf(error) : undefined;
        if (duplicate) return { created: false, ...duplicate };
        throw error;
      }
      const decoded = expectShape(t, ruleSchema, answer.body, 'POST', path, 'expected the created rule');
      return { created: true, id: decoded.id, name: decoded.name, rule: decoded };
    },

    async updateRule(org, project, id, rule) {
      const path = `${projectPath(org, project)}/rules/${enc(id)}/`;
      const answer = await t.call('updateRule', 'PUT', path, { body: rule });
      return expectShape(t, ruleSchema, answer.body, 'PUT', path, 'expected the updated rule');
    },
  };
}

/** Sentry's 400 for an identical rule names the existing one: `ruleId` and the name in a message. */
function duplicateOf(error: SentryApiError): { id: string; name: string } | undefined {
  if (error.status !== 400 || !error.fieldErrors) return undefined;
  const ids = error.fieldErrors.ruleId;
  const message = error.fieldErrors.name?.find((m) => DUPLICATE_RULE.test(m));
  if (!ids || ids.length === 0 || message === undefined) return undefined;
  const name = DUPLICATE_RULE.exec(message)?.[1] ?? '';
  return { id: ids[0] ?? '', name };
}
