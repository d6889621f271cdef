import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { FaultlineError } from '../model/errors.js';
import { duplicateKey } from './yaml-duplicate-key.js';

const MAX_ALIAS_COPIES = 100;

const withKey = (key: string | undefined) => (key ? `${key}: ` : '');

/** A parsed input file, and where in the text each of its values stands. */
export interface ParsedFile {
  value: unknown;
  /** "path:line:column" of the value at `path` (keys and indexes), or of the file when it is not found. */
  where(path: ReadonlyArray<string | number>): string;
  /** "path:line:column" of the key at `path` itself, for a key that is wrong. */
  whereKey(path: ReadonlyArray<string | number>): string;
}

/**
 * Parses an input file with a YAML 1.2 parser, whatever its extension: JSON is YAML 1.2, so a
 * file that `export` wrote in either format, or a Toxiproxy JSON config, reads the same way.
 * Duplicate keys, several documents, unknown tags and any syntax error stop with the line and
 * column; nothing is half-read.
 */
export function parseYamlText(text: string, path: string, label: string): ParsedFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    uniqueKeys: true,
    prettyErrors: true,
    lineCounter,
  });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) {
    const position = problem.linePos?.[0];
    const [headline = '', ...frame] = problem.message.split('\n');
    const reason =
      problem.code === 'MULTIPLE_DOCS'
        ? 'the file holds more than one YAML document ("---"); keep one'
        : `${withKey(duplicateKey(document, problem, text))}${headline.replace(/ at line \d+, column \d+:$/, '')}${tabIndentHint(text, position?.line)}`;
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `${label} ${path}:${position ? `${position.line}:${position.col}` : '1:1'}: not valid YAML or JSON: ${reason}${
        frame.some((line) => line.trim() !== '') ? `\n${frame.join('\n').replace(/\n+$/, '')}` : ''
      }`,
    );
  }
  const at = (node: unknown) => {
    const offset = isNode(node) && node.range ? node.range[0] : undefined;
    if (offset === undefined) return `${path}:1:1`;
    const { line, col } = lineCounter.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  return {
    value: valueOf(document, path, label),
    where: (keys) => at(document.getIn(keys, true)),
    whereKey(keys) {
      const parent = keys.length > 1 ? document.getIn(keys.slice(0, -1), true) : document.contents;
      const pair = isMap(parent)
        ? parent.items.find((item) => isScalar(item.key) && item.key.value === keys.at(-1))
        : undefined;
      return at(pair?.key);
    },
  };
}

/** yaml's error where a tab indents the line ("Unexpected scalar at node end") does not say so. */
function tabIndentHint(text: string, line: number | undefined): string {
  const indent = /^[ \t]*/.exec(text.split('\n')[(line ?? 1) - 1] ?? '')?.[0] ?? '';
  return indent.includes('\t') ? ` (a tab indents line ${line}: YAML indents with spaces only)` : '';
}

/**
 * The document's value. Aliases that expand past 100 copies ("billion laughs") and an alias to
 * no anchor are refused here, after parsing: the file and what to do are said, not only yaml's
 * "Excessive alias count indicates a resource exhaustion attack".
 */
function valueOf(document: Document.Parsed, path: string, label: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COPIES });
  } catch (error) {
    const message = (error as Error).message;
    const reason = /^Excessive alias count/.test(message)
      ? `its aliases (*name) expand past ${MAX_ALIAS_COPIES} copies, counting the aliases inside each anchor: faultline refuses this to stay safe from "billion laughs" files; write the values out, or use fewer nested aliases`
      : message;
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `${label} ${path}: not valid YAML or JSON: ${reason}`,
    );
  }
}
