// The legacy WebHooks plugin of a project: read, enable, set URLs, send Sentry's test.
import type { Transport } from '../http.js';
import { decodeOne, pluginSchema } from '../schemas.js';
import type { SentryApi } from '../types.js';
import { expectShape, projectPath } from './decode.js';

type PluginCalls = Pick<SentryApi, 'getWebhooksPlugin' | 'enableWebhooksPlugin' | 'setWebhookUrls' | 'testWebhooksPlugin'>;

export function pluginEndpoints(t: Transport): PluginCalls {
  const pluginPath = (org: string, project: string) => `${projectPath(org, project)}/plugins/webhooks/`;
  return {
    async getWebhooksPlugin(org, project) {
      const path = pluginPath(org, project);
      const { body } = await t.call('getWebhooksPlugin', 'GET', path);
      return expectShape(t, pluginSchema, body, 'GET', path, 'expected the WebHooks plugin');
    },

    async enableWebhooksPlugin(org, project) {
      await t.call('enableWebhooksPlugin', 'POST', pluginPath(org, project));
    },

    async setWebhookUrls(org, project, urls) {
      const { body } = await t.call('setWebhookUrls', 'PUT', pluginPath(org, project), { body: { urls: urls.join('\n') } });
      // Some Sentry versions answer the PUT with nothing useful: what we sent is what is set.
      const decoded = decodeOne(pluginSchema, body);
      return decoded.ok ? decoded.value : { enabled: false, urls: [...urls] };
    },

    async testWebhooksPlugin(org, project) {
      const { body } = await t.call('testWebhooksPlugin', 'POST', pluginPath(org, project), { body: { test: true } });
      const detail = typeof body === 'object' && body !== null && 'detail' in body && typeof body.detail === 'string' ? body.detail : '';
      return { detail: t.scrub(detail) };
    },
  };
}
