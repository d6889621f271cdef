import type { ApiError } from './api.js';

/**
 * Which form field a server error is about, so the message can stand next to it. The server
 * names the field in its words (`attribute latency of latency toxic "lag"`, `missing required
 * field: upstream`, `listen tcp ...`); anything it does not name goes at the top of the form.
 */
export function fieldOf(error: ApiError, fields: readonly string[]): string | undefined {
  const text = `${error.error} ${error.hint ?? ''}`;
  const byCode: Record<string, string> = {
    FAULTLINE_ERR_INVALID_STREAM: 'stream',
    FAULTLINE_ERR_INVALID_TOXIC_TYPE: 'type',
    FAULTLINE_ERR_PROXY_EXISTS: 'name',
    FAULTLINE_ERR_TOXIC_EXISTS: 'name',
    FAULTLINE_ERR_LIMIT_REACHED: '',
  };
  const coded = error.code === undefined ? undefined : byCode[error.code];
  if (coded !== undefined) return fields.includes(coded) ? coded : undefined;
  // The field the error itself names ("invalid toxicity in toxic", "missing required field:
  // name", Toxiproxy's "struct field ToxicWrapper.toxicity of type float32") wins over a word
  // its hint happens to use (an example body that shows "listen", a Go type).
  for (const said of [error.error, error.hint ?? '']) {
    const explicit = explicitField(said);
    if (explicit !== undefined && fields.includes(explicit)) return explicit;
  }
  const attribute = /attributes?[ .]([a-z_]+)/i.exec(text)?.[1];
  if (attribute !== undefined && fields.includes(`attributes.${attribute}`)) return `attributes.${attribute}`;
  // An attribute the form has no field of came from the free-form JSON, when there is one.
  if (attribute !== undefined && fields.includes('attributes.more')) return 'attributes.more';
  if (/^listen\b|\blisten (tcp|address)\b|--listen-allow/.test(text) && fields.includes('listen'))
    return 'listen';
  // "name" comes last: hints quote names of proxies and toxics in other errors too.
  const ordered = [
    ...fields.filter((field) => field !== 'name'),
    ...fields.filter((field) => field === 'name'),
  ];
  const named = ordered.find((field) => new RegExp(`\\b${field.replace('.', '\\.')}\\b`).test(text));
  if (named !== undefined) return named;
  // A refused body that names none of the form's fields: what was free-form JSON, when there is one.
  return error.status === 400 && fields.includes('attributes.more') ? 'attributes.more' : undefined;
}

const namingPatterns = [
  /missing required field: ([a-z_]+)/i,
  /\binvalid (?:field )?([a-z_]+)\b/i,
  /struct field \w+\.([a-z_]+)/i,
];

function explicitField(text: string): string | undefined {
  for (const pattern of namingPatterns) {
    const field = pattern.exec(text)?.[1]?.toLowerCase();
    if (field !== undefined) return field;
  }
  return undefined;
}
