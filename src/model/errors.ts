/**
 * Every error faultline reports has a stable code; the HTTP status lives in the same table
 * so the control API, the client and the CLI agree on what each failure means.
 */
export const errorCodes = {
  FAULTLINE_ERR_BAD_BODY: 400,
  FAULTLINE_ERR_MISSING_FIELD: 400,
  FAULTLINE_ERR_INVALID_FIELD: 400,
  FAULTLINE_ERR_UNKNOWN_FIELD: 400,
  FAULTLINE_ERR_INVALID_STREAM: 400,
  FAULTLINE_ERR_INVALID_TOXIC_TYPE: 400,
  FAULTLINE_ERR_INVALID_ATTRIBUTE: 400,
  FAULTLINE_ERR_INVALID_ADDRESS: 400,
  FAULTLINE_ERR_INVALID_CONFIG: 400,
  FAULTLINE_ERR_PROXY_NOT_FOUND: 404,
  FAULTLINE_ERR_TOXIC_NOT_FOUND: 404,
  FAULTLINE_ERR_RUN_NOT_FOUND: 404,
  FAULTLINE_ERR_PROXY_EXISTS: 409,
  FAULTLINE_ERR_TOXIC_EXISTS: 409,
  // Toxiproxy answers 500 for every listen failure, and clients map 409 to "proxy exists".
  FAULTLINE_ERR_ADDRESS_IN_USE: 500,
  FAULTLINE_ERR_INVALID_LISTEN: 500,
  FAULTLINE_ERR_ADDRESS_UNAVAILABLE: 500,
  FAULTLINE_ERR_PERMISSION: 500,
  FAULTLINE_ERR_LISTEN_NOT_ALLOWED: 403,
  FAULTLINE_ERR_LIMIT_REACHED: 403,
  FAULTLINE_ERR_HOST_NOT_ALLOWED: 403,
  FAULTLINE_ERR_DASHBOARD_SESSION: 403,
  FAULTLINE_ERR_CROSS_ORIGIN: 403,
  FAULTLINE_ERR_UNAUTHORIZED: 401,
  FAULTLINE_ERR_BODY_TOO_LARGE: 413,
  FAULTLINE_ERR_TOO_MANY_CONNECTIONS: 503,
  FAULTLINE_ERR_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FaultlineErrorOptions {
  cause?: unknown;
  /** What was received and what to do about it. */
  hint?: string;
}

/**
 * `reason` is the short text the control API sends as `error`: Toxiproxy's exact wording where
 * Toxiproxy has one, because clients put it in their exceptions and users compare it. `hint`
 * travels beside it. `message` joins both, for everywhere else an error is read.
 */
export class FaultlineError extends Error {
  override readonly name = 'FaultlineError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly reason: string;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, reason: string, options: FaultlineErrorOptions = {}) {
    super(
      options.hint ? `${reason}: ${options.hint}` : reason,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = errorCodes[code];
    this.reason = reason;
    this.hint = options.hint;
  }
}

export function isFaultlineError(value: unknown): value is FaultlineError {
  return value instanceof FaultlineError;
}

/** Renders any value for an error message, short enough to read in a terminal. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON.parse reads 1e309 as Infinity, which JSON.stringify would call null.
  if (typeof value === 'number' && !Number.isFinite(value))
    return `a number too large to hold (${value}; the largest is about 1.8e308)`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
