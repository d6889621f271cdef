/**
 * What the client throws. `code` is the server's stable code (FAULTLINE_ERR_...); a plain
 * Toxiproxy server sends none, so it is derived from the status. `status` is 0 when the server
 * could not be reached.
 */
export class FaultlineApiError extends Error {
  override readonly name = 'FaultlineApiError';

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const codeByStatus: Record<number, string> = {
  400: 'FAULTLINE_ERR_BAD_REQUEST',
  404: 'FAULTLINE_ERR_NOT_FOUND',
  409: 'FAULTLINE_ERR_CONFLICT',
};

export async function errorFromResponse(response: Response, what: string): Promise<FaultlineApiError> {
  const text = await response.text();
  let message = text.trim() || response.statusText;
  let code = codeByStatus[response.status] ?? `FAULTLINE_ERR_HTTP_${response.status}`;
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown };
    if (typeof body.error === 'string') message = body.error;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // not JSON: keep the raw text
  }
  return new FaultlineApiError(code, response.status, `${what}: HTTP ${response.status}: ${message}`);
}

export function unreachable(url: string, error: unknown): FaultlineApiError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new FaultlineApiError(
    'FAULTLINE_ERR_UNREACHABLE',
    0,
    `cannot reach the faultline server at ${url} (${reason}); start one with "faultline server" or point --host (or FAULTLINE_URL) at it`,
    { cause: error },
  );
}
