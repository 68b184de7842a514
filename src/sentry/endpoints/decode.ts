// Reading one answer inside an endpoint: the decoded value, or a SentryApiError naming the field.
import type { z } from 'zod';
import type { Transport } from '../http.js';
import { decodeOne } from '../schemas.js';

export function expectShape<T>(t: Transport, schema: z.ZodType<T>, body: unknown, method: string, path: string, what: string): T {
  const decoded = decodeOne(schema, body);
  if (decoded.ok) return decoded.value;
  throw t.shapeError(method, path, `${what} (${decoded.problem})`);
}

export const enc = encodeURIComponent;
export const projectPath = (org: string, project: string): string => `/api/0/projects/${enc(org)}/${enc(project)}`;
