import zlib from 'node:zlib';
import { mergePatch } from '../../model/json-merge-patch.js';
import type { JsonValue } from '../../model/toxics/definition.js';
import type { HeaderEdits, RequestPlan } from './request-plan.js';

/** Bodies held to be patched stop growing here; beyond it the original passes unchanged. */
export const MAX_REWRITE_BYTES = 16 * 1024 * 1024;

export function rewritesBody(plan: RequestPlan | undefined): boolean {
  return plan !== undefined && (plan.body !== undefined || plan.jsonPatch !== undefined);
}

/** A whole-body replacement needs none of the original: it applies at any size, without holding it. */
export function replacesBody(plan: RequestPlan | undefined): plan is RequestPlan & { body: string } {
  return plan !== undefined && plan.body !== undefined;
}

/** The body sent, and, when the change asked for could not be made, why the original passed. */
export interface RewrittenBody {
  readonly body: Buffer;
  readonly skipped: string | undefined;
}

/**
 * The new body: the replacement, or the JSON body with the merge patch. A body the upstream
 * compressed (`content-encoding`) is decoded first and the patched one goes as it is; a body that
 * is not JSON, or cannot be decoded, passes unchanged and `skipped` says why.
 */
export function rewriteBody(
  original: Buffer,
  plan: RequestPlan,
  contentEncoding?: string | string[],
): RewrittenBody {
  if (plan.body !== undefined) return { body: Buffer.from(plan.body), skipped: undefined };
  if (plan.jsonPatch === undefined) return { body: original, skipped: undefined };
  const decoded = decodeBody(original, contentEncoding);
  if (typeof decoded === 'string') return { body: original, skipped: decoded };
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(decoded.toString('utf8')) as JsonValue;
  } catch {
    return { body: original, skipped: NOT_JSON };
  }
  return { body: Buffer.from(JSON.stringify(mergePatch(parsed, plan.jsonPatch))), skipped: undefined };
}

type Decoder = (data: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer;

/** HTTP's "deflate" is zlib-wrapped, but some servers send it raw: both are read. */
const decoders: Record<string, Decoder> = {
  gzip: zlib.gunzipSync,
  'x-gzip': zlib.gunzipSync,
  deflate: (data, options) =>
    ((data[0] ?? 0) & 0x0f) === 8 ? zlib.inflateSync(data, options) : zlib.inflateRawSync(data, options),
  br: zlib.brotliDecompressSync,
};

/** The body without its content codings (the last applied is undone first), or why it cannot be. */
function decodeBody(body: Buffer, contentEncoding: string | string[] | undefined): Buffer | string {
  const header = Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? '');
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  let decoded = body;
  for (const coding of codings.reverse()) {
    const decode = decoders[coding];
    if (decode === undefined)
      return `json_patch: the body is ${coding}-encoded (content-encoding: ${header}), which the proxy does not decode (it decodes gzip, deflate and br); it passed unchanged`;
    try {
      decoded = decode(decoded, { maxOutputLength: MAX_REWRITE_BYTES });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return TOO_LARGE_TO_PATCH;
      return `json_patch: the body is not valid ${coding} (content-encoding: ${header}): ${(error as Error).message}; it passed unchanged`;
    }
  }
  return decoded;
}

export const NOT_JSON = 'json_patch: the body is not JSON; it passed unchanged';

export const TOO_LARGE_TO_PATCH = `json_patch: the body is over the ${MAX_REWRITE_BYTES} bytes (16 MiB) a patch holds; it passed unchanged`;

/**
 * Headers that describe the upstream's body, and say something false once the proxy replaced or
 * patched it: its coding (the body sent is not encoded), its validator and its digests. A cache
 * or client that trusted them would store or check the new body under the old one's identity.
 */
const OLD_BODY_HEADERS = [
  'content-encoding',
  'etag',
  'content-md5',
  'digest',
  'content-digest',
  'repr-digest',
];

/**
 * Makes an answer's headers describe the body it is sent with: its length, and none of the
 * upstream body's coding, validator or digests, unless the toxic's response_headers set one. A
 * change that was skipped sends the upstream's body, whose headers still hold.
 */
export function describeSentBody(
  headers: Record<string, string | string[] | number | undefined>,
  body: Buffer,
  skipped: string | undefined,
  responseHeaders: HeaderEdits,
): void {
  if (skipped === undefined) {
    for (const name of OLD_BODY_HEADERS) if (!Object.hasOwn(responseHeaders, name)) delete headers[name];
  }
  headers['content-length'] = String(body.length);
}

/** Applies header edits to a lower-case header object in place. */
export function editHeaders(
  headers: Record<string, string | string[] | undefined>,
  edits: HeaderEdits,
): void {
  for (const [name, value] of Object.entries(edits)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
}
