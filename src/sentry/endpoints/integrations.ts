// Internal integrations (Sentry apps) of an organisation and their installations.
import type { Transport } from '../http.js';
import { decodeEach, installationSchema, sentryAppSchema } from '../schemas.js';
import type { SentryApi } from '../types.js';
import { enc, expectShape } from './decode.js';

type IntegrationCalls = Pick<
  SentryApi,
  'createInternalIntegration' | 'listSentryApps' | 'updateSentryApp' | 'listSentryAppInstallations'
>;

export function integrationEndpoints(t: Transport): IntegrationCalls {
  return {
    async createInternalIntegration(input) {
      const path = '/api/0/sentry-apps/';
      const { body } = await t.call('createInternalIntegration', 'POST', path, {
        body: {
          name: input.name,
          organization: input.org,
          isInternal: true,
          webhookUrl: input.webhookUrl,
          events: input.events,
          scopes: input.scopes,
          isAlertable: input.isAlertable,
          verifyInstall: false,
        },
      });
      return expectShape(t, sentryAppSchema, body, 'POST', path, 'expected the created integration');
    },

    async listSentryApps(org) {
      return decodeEach(sentryAppSchema, await t.list('listSentryApps', `/api/0/organizations/${enc(org)}/sentry-apps/`));
    },

    async updateSentryApp(slug, patch) {
      const path = `/api/0/sentry-apps/${enc(slug)}/`;
      const { body } = await t.call('updateSentryApp', 'PUT', path, { body: patch });
      return expectShape(t, sentryAppSchema, body, 'PUT', path, 'expected the integration');
    },

    async listSentryAppInstallations(org) {
      const path = `/api/0/organizations/${enc(org)}/sentry-app-installations/`;
      return decodeEach(installationSchema, await t.list('listSentryAppInstallations', path));
    },
  };
}
