import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  Scalar,
  visit,
  YAMLSeq,
} from 'yaml';
import { duplicateKey } from '../config/yaml-duplicate-key.js';
import { pyFloat } from './python-values.js';
import { PYYAML_FLOAT, pyyamlTags } from './pyyaml-tags.js';

const TAG = 'tag:yaml.org,2002:';
/** Types safe_load builds that chaos's journal encoder cannot write (bytes, set): chaos run fails writing it. */
const UNWRITABLE: Record<string, string> = { [`${TAG}binary`]: 'bytes', [`${TAG}set`]: 'a set' };
/** Plain scalars PyYAML resolves to tags it has a constructor for only as keys. */
const KEY_ONLY: Record<string, string> = { '=': 'value', '<<': 'merge' };
/**
 * yaml's default of 100 refused an experiment with `<<: *defaults` in 101 activities, which PyYAML
 * reads; this still stops a "billion laughs" file, whose nested aliases multiply.
 */
const MAX_ALIAS_COUNT = 10_000;
const STANDARD_SCALARS = ['int', 'float', 'bool', 'null', 'str', 'timestamp'].map((name) => `${TAG}${name}`);

/**
 * Reads Chaos Toolkit YAML (experiments, var files, settings, control files) as chaostoolkit's
 * `yaml.safe_load` does: YAML 1.1 with PyYAML's resolvers (yes/no/on/off, 0644, 0x1F, 1_000,
 * 190:20:30, .inf, ~), merge keys, timestamps as the isoformat() text chaos's journal writes, and
 * !!omap/!!pairs as lists of [key, value]. Keys become the text json.dumps writes for them. What
 * safe_load refuses, or builds but chaos cannot carry to its journal, stops with the line and
 * column; a duplicate key (PyYAML keeps the last in silence) is refused naming both lines.
 * `warn` hears of integers too large to hold exactly.
 */
export function safeLoad(text: string, warn: (message: string) => void): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    version: '1.1',
    schema: 'yaml-1.1',
    customTags: pyyamlTags,
    merge: true,
    lineCounter,
  });
  const at = (node: { range?: readonly number[] | null | undefined } | null | undefined) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `line ${line}, column ${col}`;
  };
  const [error] = document.errors;
  if (error) {
    const key = duplicateKey(document, error, text);
    throw new Error(`${key ? `${key}: ` : ''}${error.message}`);
  }
  checkTags(document, warn);
  // The anchors defined so far, in document order: what an alias met next refers to. (yaml's
  // Alias.resolve(document) searches the whole document for each alias.)
  const anchors = new Map<string, Node>();
  const anchor = (node: Node) => {
    if (!node.anchor) return;
    const first = anchors.get(node.anchor);
    if (first)
      throw new Error(
        `found duplicate anchor '${node.anchor}' at ${at(node)} (first at ${at(first)}): PyYAML refuses a second ` +
          'anchor of the same name; rename one',
      );
    anchors.set(node.anchor, node);
  };
  visit(document, {
    Alias(_, node) {
      if (!anchors.has(node.source))
        throw new Error(
          `found undefined alias '${node.source}' at ${at(node)}: define &${node.source} before it`,
        );
    },
    Scalar(key, node) {
      anchor(node);
      if (node.tag && node.tag in UNWRITABLE) throw unwritable(node, at(node));
      const special = key === 'key' || node.type !== Scalar.PLAIN ? undefined : KEY_ONLY[node.source ?? ''];
      if (special)
        throw new Error(
          `could not determine a constructor for the tag '${TAG}${special}' at ${at(node)}: PyYAML reads a plain ` +
            `${node.source} as a ${special} key and cannot load it as a value; quote it ('${node.source}') to mean the text`,
        );
      if (typeof node.value === 'number' && Number.isInteger(node.value) && !Number.isSafeInteger(node.value))
        warn(
          `the integer ${node.source} at ${at(node)} is beyond 2^53: faultline holds it as ${node.value} where chaos keeps it exact; quote it if it is an identifier`,
        );
    },
    Collection(_, node) {
      anchor(node);
      if (node.tag && node.tag in UNWRITABLE) throw unwritable(node, at(node));
      if (node.tag === `${TAG}omap` || node.tag === `${TAG}pairs`) return asPairList(node as YAMLSeq, at);
      if (isMap(node)) {
        checkMerges(node.items, anchors, at);
        checkKeyCollisions(node.items, at);
      }
      return undefined;
    },
    Pair(_, pair) {
      if (pair.key !== null && typeof pair.key === 'object' && !isScalar(pair.key) && !isAlias(pair.key))
        throw new Error(
          `found unhashable key at ${at(pair.key as Node)}: PyYAML takes only a scalar as a key`,
        );
      if (isScalar(pair.key)) pair.key.value = jsonKey(pair.key);
    },
  });
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!/Excessive alias count/.test((error as Error).message)) throw error;
    throw new Error(
      `the aliases (*name) expand past ${MAX_ALIAS_COUNT} copies, counting the aliases inside each anchor: ` +
        'faultline refuses this to stay safe from "billion laughs" files (PyYAML has no limit); use fewer nested aliases',
    );
  }
}

/** A tag safe_load has no constructor for is refused as unsafe; other warnings are passed on. */
function checkTags(document: Document, warn: (message: string) => void): void {
  for (const warning of document.warnings) {
    const position = warning.linePos?.[0]
      ? `line ${warning.linePos[0].line}, column ${warning.linePos[0].col}`
      : 'line ?';
    const tag = /Unresolved tag: (\S+)/.exec(warning.message)?.[1];
    if (warning.code !== 'TAG_RESOLVE_FAILED' || tag === undefined) {
      warn(`YAML: ${warning.message.split('\n')[0]}`);
    } else if (STANDARD_SCALARS.includes(tag)) {
      throw new Error(
        `the value tagged !!${tag.slice(TAG.length)} at ${position} is not written the way YAML 1.1 writes that type; ` +
          'remove the tag and write the value plainly (1.0 for a float, 10 for an int, true for a bool)',
      );
    } else {
      throw new Error(
        `could not determine a constructor for the tag '${tag}' at ${position}. ` +
          'Chaos Toolkit YAML is read as safe YAML, as chaostoolkit does: remove the tag and write the value as plain YAML.',
      );
    }
  }
}

function unwritable(node: Node, where: string): Error {
  return new Error(
    `!!${node.tag!.slice(TAG.length)} at ${where}: PyYAML builds ${UNWRITABLE[node.tag!]}, which chaos's journal ` +
      'cannot hold (chaos run fails writing it); write the value as a string or a list instead',
  );
}

/** A !!omap or !!pairs sequence as PyYAML builds it: a list of (key, value), here [key, value]. */
function asPairList(node: YAMLSeq, at: (node: Node) => string): YAMLSeq {
  const list = new YAMLSeq();
  list.range = node.range ?? null;
  for (const item of node.items as unknown[]) {
    // yaml holds `[a: 1]` and an !!omap's entries as pairs, `- {a: 1}` as a mapping.
    const pair = isPair(item) ? item : isMap(item) && item.items.length === 1 ? item.items[0] : undefined;
    if (!pair)
      throw new Error(
        `!!${node.tag!.slice(TAG.length)} at ${at(node)}: expected a mapping of length 1 for each item, as PyYAML does`,
      );
    const entry = new YAMLSeq();
    entry.items = [pair.key, pair.value];
    list.items.push(entry);
  }
  return list;
}

/**
 * Merge keys as PyYAML flattens them: the value is a mapping or a list of mappings (the first in
 * the list wins), and keys written in the mapping win over merged ones wherever they stand.
 * PyYAML also lets a second `<<` win over the first, a duplicate key faultline refuses.
 */
function checkMerges(items: Pair[], anchors: Map<string, Node>, at: (node: Node) => string): void {
  const merges = items.filter((pair) => isScalar(pair.key) && typeof pair.key.value === 'symbol');
  const [first, second] = merges;
  if (!first) return;
  if (second)
    throw new Error(
      `duplicate key '<<' at ${at(second.key as Node)} (first written at ${at(first.key as Node)}): ` +
        'merge several mappings with one key, <<: [*first, *second] (the first listed wins)',
    );
  const resolve = (node: unknown) => (isAlias(node) ? anchors.get(node.source) : node);
  const value = resolve(first.value);
  const sources = isSeq(value) ? value.items.map(resolve) : [value];
  const wrong = sources.findIndex((source) => !isMap(source));
  if (wrong >= 0)
    throw new Error(
      `merge key '<<' at ${at(first.key as Node)}: expected a mapping or list of mappings for merging, but found ` +
        `${describe(sources[wrong])}; write <<: *anchor, where the anchor names a mapping, or <<: [*a, *b]`,
    );
  // Merged keys come first in a Python dict; yaml adds them where `<<` stands.
  items.splice(items.indexOf(first), 1);
  items.unshift(first);
}

/**
 * yaml compares keys by value and type. Python compares them with ==, so `yes` and `1` are one
 * key to PyYAML (True == 1), which keeps the last value; and `yes` and `"true"`, two keys to
 * Python, are one in JSON, so the later would replace the earlier. Either is a duplicate key here.
 */
function checkKeyCollisions(items: Pair[], at: (node: Node) => string): void {
  const seen = new Map<string, Scalar>();
  for (const { key } of items) {
    if (!isScalar(key) || typeof key.value === 'symbol') continue;
    const numeric = typeof key.value === 'number' || typeof key.value === 'boolean';
    const names = [`json ${String(jsonKey(key))}`, ...(numeric ? [`number ${Number(key.value)}`] : [])];
    const clash = names.find((name) => seen.has(name));
    if (clash) {
      const first = seen.get(clash)!;
      const reason = clash.startsWith('number')
        ? `PyYAML reads both as the same key (${String(first.value)} == ${String(key.value)}) and keeps only the last value`
        : `both become the key ${JSON.stringify(clash.slice('json '.length))}, and only the last value would be kept`;
      throw new Error(
        `duplicate key '${key.source}' at ${at(key)} (first written at ${at(first)} as '${first.source}'): ${reason}; write it once`,
      );
    }
    for (const name of names) seen.set(name, key);
  }
}

function describe(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return `the scalar ${JSON.stringify(node.value ?? null)}`;
  return 'nothing';
}

/** The text json.dumps writes for a key PyYAML built: true, null, 1.5 or 1.0, not yaml's "", "1". */
function jsonKey(key: Scalar): unknown {
  const { value } = key;
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'number') return value;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return key.type === Scalar.PLAIN && PYYAML_FLOAT.test(key.source as string)
    ? pyFloat(value)
    : String(value);
}
