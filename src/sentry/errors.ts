// The one error the Sentry client throws: what was asked, what came back (token-free), and
// one line on what to do (see hints.ts for how that line is chosen).
import { UserError } from '../errors.js';

/** Sentry answered with an error, or the request never completed (`status === null`). */
export class SentryApiError extends UserError {
  /** HTTP status; null when no answer arrived (network error, timeout). */
  readonly status: number | null;
  readonly method: string;
  /** Path below the base URL, e.g. `/api/0/organizations/`. */
  readonly path: string;
  /** Sentry's own words (`detail`, or field errors flattened), token-free. */
  readonly detail: string | undefined;
  /** One line: what to do about it. */
  declare readonly hint: string;
  /** From `Retry-After` (or the rate-limit reset header) on 429. */
  readonly retryAfterSeconds: number | undefined;
  /** DRF field errors of a 400, flattened to `field -> messages`. */
  readonly fieldErrors: Record<string, string[]> | undefined;
  readonly timedOut: boolean;

  constructor(init: {
    message: string;
    hint: string;
    status: number | null;
    method: string;
    path: string;
    detail?: string;
    retryAfterSeconds?: number;
    fieldErrors?: Record<string, string[]>;
    timedOut?: boolean;
    cause?: unknown;
  }) {
    super(init.message, init.hint);
    this.name = 'SentryApiError';
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.detail = init.detail;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.fieldErrors = init.fieldErrors;
    this.timedOut = init.timedOut ?? false;
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
  }
}
