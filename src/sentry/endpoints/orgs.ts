// Who the token is, and the organisations and projects it can see.
import type { Transport } from '../http.js';
import { decodeEach, decodeOne, organizationSchema, projectSchema, userSchema, whoamiSchema } from '../schemas.js';
import type { SentryApi, SentryProject } from '../types.js';
import { enc, expectShape, projectPath } from './decode.js';

type OrgCalls = Pick<SentryApi, 'whoami' | 'listOrganizations' | 'listProjects' | 'getProject'>;

export function orgEndpoints(t: Transport): OrgCalls {
  /** The org slug we asked under, when Sentry's answer does not name it. */
  const withOrg = (p: SentryProject, org: string): SentryProject => (p.organization === undefined ? { ...p, organization: org } : p);

  return {
    async whoami() {
      const { body } = await t.call('whoami', 'GET', '/api/0/');
      const root = expectShape(t, whoamiSchema, body, 'GET', '/api/0/', 'expected an object');
      const scopes = root.auth ? root.auth.scopes.filter((s): s is string => typeof s === 'string') : null;
      const user = decodeOne(userSchema, root.user);
      return user.ok ? { user: user.value, scopes } : { scopes };
    },

    async listOrganizations() {
      return decodeEach(organizationSchema, await t.list('listOrganizations', '/api/0/organizations/'));
    },

    async listProjects(org) {
      const items = await t.list('listProjects', `/api/0/organizations/${enc(org)}/projects/`);
      return decodeEach(projectSchema, items).map((p) => withOrg(p, org));
    },

    async getProject(org, project) {
      const path = `${projectPath(org, project)}/`;
      const { body } = await t.call('getProject', 'GET', path);
      return withOrg(expectShape(t, projectSchema, body, 'GET', path, 'expected a project'), org);
    },
  };
}
