/**
 * What a status fault answers with. 204, 205 and 304 carry no body (RFC 9110): fetch's Response
 * refuses one for them, and a real answer with one of them has none, so an injected one has none
 * either.
 */
export const NULL_BODY_STATUSES: readonly number[] = [204, 205, 304];

/** The body of an injected answer: null for a status that carries none. */
export function answerBody(status: number, body: string | undefined): string | null {
  if (NULL_BODY_STATUSES.includes(status)) return null;
  return body ?? `injected fault: status ${status}`;
}
