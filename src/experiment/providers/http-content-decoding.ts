import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/**
 * What requests asks for by default: urllib3's "gzip,deflate", with br and zstd added only when
 * the brotli and zstandard modules are installed, which chaostoolkit does not install.
 */
export const REQUESTS_ACCEPT_ENCODING = 'gzip, deflate';

const DECODERS: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: (bytes) => gunzipSync(bytes),
  // urllib3's DeflateDecoder reads zlib-wrapped data, and raw deflate when that fails.
  deflate: (bytes) => {
    try {
      return inflateSync(bytes);
    } catch {
      return inflateRawSync(bytes);
    }
  },
};

/**
 * The body as requests hands it to `r.text`: urllib3 undoes a gzip or deflate Content-Encoding
 * (any case; in a list such as "gzip, deflate" each known one, last applied first) and leaves any
 * other body as it came. Throws when the bytes are not what the header says, as urllib3's
 * DecodeError does.
 */
export function decodedBody(bytes: Buffer, contentEncoding: string | undefined): Buffer {
  if (bytes.length === 0) return bytes;
  const codings = (contentEncoding ?? '')
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding in DECODERS);
  return codings.reduceRight((body, coding) => DECODERS[coding]!(body), bytes);
}
