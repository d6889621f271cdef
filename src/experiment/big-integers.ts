/**
 * Python's json keeps every integer exact; JavaScript's numbers hold integers exactly only up to
 * 2^53, and round the ones beyond (12345678901234567891 is read as 12345678901234567000). A
 * tolerance comparing such a value, or the journal writing it back, sees the rounded number where
 * chaos sees the one written. These find such integers in a JSON text, where they are, so the
 * reader can say so.
 */
export interface BigInteger {
  /** Where the integer is in the document: `method[2].provider.arguments.size`; '' for the whole of it. */
  path: string;
  /** As written. */
  source: string;
}

/** Steps into the document: an object's key, or an array's index. */
type Step = { key: string | undefined } | { index: number };

/**
 * The integers beyond 2^53 in `text`, which has parsed as JSON (Python's json's NaN, Infinity and
 * -Infinity included). A float (`1e30`, `2.5`) is a float in Python too, and is not named.
 */
export function bigIntegersInJson(text: string): BigInteger[] {
  const found: BigInteger[] = [];
  const steps: Step[] = [];
  let expectingKey = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '"') {
      const end = stringEnd(text, index);
      const top = steps.at(-1);
      if (expectingKey && top && 'key' in top) top.key = JSON.parse(text.slice(index, end + 1)) as string;
      expectingKey = false;
      index = end;
    } else if (char === '{') {
      steps.push({ key: undefined });
      expectingKey = true;
    } else if (char === '[') steps.push({ index: 0 });
    else if (char === '}' || char === ']') steps.pop();
    else if (char === ',') {
      const top = steps.at(-1);
      if (top && 'index' in top) top.index++;
      else expectingKey = true;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      const number = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(index, index + 4096))?.[0];
      if (number === undefined) continue; // -Infinity
      if (/^-?\d+$/.test(number) && !Number.isSafeInteger(Number(number)))
        found.push({ path: pathOf(steps), source: number });
      index += number.length - 1;
    }
  }
  return found;
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === '"') return index;
  }
  return text.length - 1;
}

function pathOf(steps: readonly Step[]): string {
  let path = '';
  for (const step of steps) {
    if ('index' in step) path += `[${step.index}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step.key ?? '')) path += `${path ? '.' : ''}${step.key}`;
    else path += `[${JSON.stringify(step.key ?? '')}]`;
  }
  return path;
}

/** At most this many are named in one warning; the rest are counted. */
const NAMED = 3;

/**
 * One warning for the big integers of one document (undefined: none), naming where each is:
 * `where` says what was read (`the experiment`, `--var-file vars.json`, `the answer of probe 'p'`).
 */
export function bigIntegersWarning(where: string, found: readonly BigInteger[]): string | undefined {
  if (found.length === 0) return undefined;
  const named = found
    .slice(0, NAMED)
    .map(({ path, source }) => `${source}${path ? ` at ${path}` : ''} (held as ${String(Number(source))})`);
  const more = found.length > NAMED ? ` and ${found.length - NAMED} more` : '';
  const subject = found.length === 1 ? 'an integer' : `${found.length} integers`;
  return (
    `${where} holds ${subject} beyond 2^53, which faultline rounds where chaos keeps ${found.length === 1 ? 'it' : 'them'} exact: ` +
    `${named.join(', ')}${more}; a tolerance comparing ${found.length === 1 ? 'it' : 'them'} and the journal see the rounded number` +
    `${found.length === 1 ? '' : 's'} (write an identifier as a string, "${found[0]!.source}")`
  );
}

/** The same integers, seen from a document that holds this one at `key` (`body`, in an http answer). */
export function inside(key: string, found: readonly BigInteger[]): BigInteger[] {
  return found.map(({ path, source }) => ({
    path: path === '' || path.startsWith('[') ? `${key}${path}` : `${key}.${path}`,
    source,
  }));
}

/** Those under `key` of this document, seen from the value at `key` (`output`, in a Python reply). */
export function under(key: string, found: readonly BigInteger[]): BigInteger[] {
  return found
    .filter(({ path }) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`))
    .map(({ path, source }) => ({ path: path.slice(key.length).replace(/^\./, ''), source }));
}
