/**
 * The first key written twice in one object of a JSON text that JSON.parse accepted, or
 * undefined. JSON.parse, like Go's encoding/json, keeps the last value and drops the first in
 * silence (`{"name":"a","name":"b"}` made a proxy named b). One pass, no recursion.
 */
export function firstDuplicateKey(text: string): string | undefined {
  // One entry per open container: the keys of an object, undefined for an array.
  const open: Array<Set<string> | undefined> = [];
  let atKey = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (atKey) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        const keys = open.at(-1)!;
        if (keys.has(key)) return key;
        keys.add(key);
        atKey = false;
      }
      index = end;
    } else if (char === '{') {
      open.push(new Set());
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
