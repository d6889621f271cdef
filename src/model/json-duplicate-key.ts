/** A key written twice in one object: the key, and where its first writing begins in the text. */
export interface DuplicateKey {
  key: string;
  firstAt: number;
}

/**
 * The first key written twice in one object of a JSON text that JSON.parse accepted, or
 * undefined. JSON.parse, like Go's encoding/json, keeps the last value and drops the first in
 * silence (`{"name":"a","name":"b"}` made a proxy named b). One pass, no recursion. The API
 * checks every body with it, so it is a hand scanner: yaml's parser, which can answer the same
 * question, costs about 20 times as much per body and 35 ms to load.
 */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  // One entry per open container: the keys of an object with where each begins, undefined for an array.
  const open: Array<Map<string, number> | undefined> = [];
  let atKey = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (atKey) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        const keys = open.at(-1)!;
        const firstAt = keys.get(key);
        if (firstAt !== undefined) return { key, firstAt };
        keys.set(key, index);
        atKey = false;
      }
      index = end;
    } else if (char === '{') {
      open.push(new Map());
      atKey = true;
    } else if (char === '[') {
      open.push(undefined);
      atKey = false;
    } else if (char === '}' || char === ']') {
      open.pop();
      atKey = false;
    } else if (char === ',') {
      atKey = open.at(-1) !== undefined;
    }
  }
  return undefined;
}

export function firstDuplicateKey(text: string): string | undefined {
  return findDuplicateKey(text)?.key;
}

/**
 * The first key written twice in one object of a JSON text that JSON.parse accepted, worded
 * as a YAML file's duplicate is (`duplicate key 'title' (first written at line 1)`), or undefined.
 */
export function jsonDuplicateKey(json: string): string | undefined {
  const duplicate = findDuplicateKey(json);
  if (!duplicate) return undefined;
  const line = json.slice(0, duplicate.firstAt).split('\n').length;
  return `duplicate key '${duplicate.key}' (first written at line ${line})`;
}
