import { type Document, isScalar, parseDocument, visit, type YAMLError } from 'yaml';

/**
 * yaml says "Map keys must be unique" without the key; a user needs to know which. Returns
 * "duplicate key 'title' (first written at line 1)" for a DUPLICATE_KEY error, else undefined.
 */
export function duplicateKey(document: Document, error: YAMLError, text: string): string | undefined {
  if (error.code !== 'DUPLICATE_KEY') return undefined;
  const keys: Array<{ value: unknown; start: number }> = [];
  let duplicate: { value: unknown; start: number } | undefined;
  visit(document, {
    Map(_, map) {
      const here = map.items.flatMap((pair) =>
        pair.key && isScalar(pair.key) && pair.key.range
          ? [{ value: pair.key.value, start: pair.key.range[0] }]
          : [],
      );
      const found = here.find((key) => key.start === error.pos[0]);
      if (found) {
        duplicate = found;
        keys.push(...here);
      }
    },
  });
  if (!duplicate) return undefined;
  const first = keys.find((key) => key.value === duplicate!.value);
  const line = first ? text.slice(0, first.start).split('\n').length : undefined;
  return `duplicate key '${String(duplicate.value)}'${line ? ` (first written at line ${line})` : ''}`;
}

/** yaml's YAML 1.2 parse(), whose error names a duplicate key: for faultline's own small files (FAULTLINE_FAULTS). */
export function parseYamlNamingKeys(text: string): unknown {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) {
    const key = duplicateKey(document, error, text);
    throw new Error(`${key ? `${key}: ` : ''}${error.message}`);
  }
  return document.toJS();
}
