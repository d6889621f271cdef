// Equivalent mutants: code where a mutant Stryker makes behaves exactly like the original, so no
// test can tell them apart. Kept apart from src/ so the source carries no tool comments.
//
// Two lists:
// - `equivalentMutants`: expressions where EVERY mutant Stryker makes is equivalent. Stryker's
//   ignore plugin (below) skips them; they show as "Ignored" with the reason and do not count in
//   the score. Each entry names the file, the exact source of the expression, optionally the
//   exact source of the expression around it (`within`, when the code alone is not unique), and
//   why its mutants are equivalent.
// - `equivalentSurvivors`: single mutants that are equivalent where other mutants of the same
//   expression are not. Stryker's ignore plugins work per expression, not per mutant, so ignoring
//   these would hide mutants that tests do kill; they stay in the score as survivors, and are
//   listed here with the mutator, the replacement and the reason, so nobody writes a test for them.
//
// Add an entry only for a mutant that cannot be killed; a mutant that a test could kill needs a test.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** @type {Array<{ file: string; code: string; within?: string; reason: string }>} */
export const equivalentMutants = [
  {
    file: 'src/model/match.ts',
    code: "'host'",
    within: "SAME_HEADER.has(lower) ? 'host' : lower",
    reason:
      'the key under which host and :authority are checked for being given twice only has to be one text both map to and no other name does: "" is one too (a header name is never empty), so the same pairs are refused with the same message',
  },
  {
    file: 'src/proxy/chunk-queue.ts',
    code: 'this.head > 1024 && this.head * 2 > this.items.length',
    reason:
      'when to compact the consumed prefix is a memory matter only: compacting keeps the remaining chunks and their order, so compacting earlier, later, always or never returns the same chunks',
  },
  {
    file: 'src/inject/enabled.ts',
    code: "''",
    within: "process.env.FAULTLINE_INJECT ?? ''",
    reason:
      'an unset FAULTLINE_INJECT read as any text that is not 1, true, on or yes ("Stryker was here!" is not) leaves faults off, as the empty string does',
  },
  {
    file: 'src/model/match.ts',
    code: "''",
    within: "(Array.isArray(value) ? value[0] : value)?.trim().toLowerCase() ?? ''",
    reason:
      'a request without a content-type read as any text that is not application/grpc, application/grpc+… or application/grpc;… ("Stryker was here!" is none) is no gRPC call, as the empty string is',
  },
  {
    file: 'src/inject/wrap.ts',
    code: '[]',
    within: 'fault.decider.fault.methods ?? []',
    reason:
      'a fault without `methods` makes every method faulted (everyMethod), so an extra name in the set of faulted methods changes nothing',
  },
  {
    file: 'src/proxy/pipeline.ts',
    code: "'abort'",
    within: "signal.removeEventListener('abort', done)",
    reason:
      'the listener left behind can only call `done` again, which resolves a promise that is already resolved',
  },
  {
    file: 'src/proxy/pipeline.ts',
    code: "'drain'",
    within: "this.destination.off('drain', done)",
    reason:
      'the listener left behind resolves an already resolved promise and clears roomForWrites, after which the next wait makes a new promise that the same drain resolves: the same waits, one listener more',
  },
  {
    file: 'src/proxy/pipeline.ts',
    code: "'close'",
    within: "this.destination.off('close', done)",
    reason:
      'the listener left behind resolves an already resolved promise and clears roomForWrites, after which the next wait makes a new promise that the same event resolves: the same waits, one listener more',
  },
  {
    file: 'src/experiment/run.ts',
    code: '[]',
    within: 'const background: Promise<RunEntry>[] = [];',
    reason:
      'a string in the list of background runs settles at once in Promise.allSettled/Promise.all, and as an entry it has no status "failed": the method ends the same way',
  },
  {
    file: 'src/experiment/run.ts',
    code: '[]',
    within: 'const background: Promise<unknown>[] = [];',
    reason: 'a string in the list of background rollbacks settles at once in Promise.all, as no entry would',
  },
  {
    file: 'src/inject/fs-faults.ts',
    code: '`path in ${where}`',
    reason:
      'parseFsFault has compiled the same pattern with the same label just before, so this second compile never fails and its label is never shown',
  },
  {
    file: 'src/experiment/run.ts',
    code: 'environment.controls?.before',
    reason:
      'runMethod and playRollbacks are called only from runWithContext, after it set environment.controls: the `?.` never meets undefined',
  },
  {
    file: 'src/experiment/run.ts',
    code: 'environment.controls?.after',
    reason:
      'runMethod and playRollbacks are called only from runWithContext, after it set environment.controls: the `?.` never meets undefined',
  },
  {
    file: 'src/experiment/run.ts',
    code: 'options.mask?.addSecrets',
    reason:
      "runWithContext is called with `{ ...options, mask }` where execute made `mask` (the caller's or a new one): the `?.` never meets undefined",
  },
  {
    file: 'src/model/match.ts',
    code: '[]',
    within: 'compiledOf(match).blocks ?? []',
    reason:
      'this line runs only for a match with `client`, and compiling such a match always gives its blocks (or throws): the fallback list is never used',
  },
  {
    file: 'src/model/match.ts',
    code: "''",
    within: "found[1] ?? ''",
    reason:
      'both groups of /^\\/([^/]+)\\/([^/]+)$/ take part in every match, so found[1] is never undefined',
  },
  {
    file: 'src/model/match.ts',
    code: "''",
    within: "found[2] ?? ''",
    reason:
      'both groups of /^\\/([^/]+)\\/([^/]+)$/ take part in every match, so found[2] is never undefined',
  },
  {
    file: 'src/model/proxy-spec.ts',
    code: "'array'",
    within: "goValueKind(body, 'array')",
    reason:
      "goValueKind reads its Go type only to word a number as `number N` for an integer type (/^u?int/); neither 'array' nor any text a mutant puts there starts with int, so the words are the same",
  },
  {
    file: 'src/model/proxy-spec.ts',
    code: "''",
    within: "value.replaceAll(/\\[[^\\]]*\\]/g, '')",
    reason:
      'the bracketed IPv6 host is cut out only so that its colons are not counted; any text without a colon in its place ("Stryker was here!") gives the same count',
  },
  {
    file: 'src/model/fields.ts',
    code: "''",
    within: "key = ''",
    reason:
      'zod reports unrecognized_keys only with the keys it did not recognize, at least one, so the first is never missing',
  },
  {
    file: 'src/model/address.ts',
    code: "''",
    within: "match[1] ?? match[2] ?? ''",
    reason:
      'the pattern has two alternatives for the host, bracketed (group 1) or not (group 2), and one of them takes part in every match, so the last fallback is never used',
  },
  {
    file: 'src/model/ip-block.ts',
    code: "''",
    within: "address = ''",
    reason: "split('/') always returns at least one item, so the address is never missing",
  },
];

/**
 * Equivalent mutants left in the score (see above).
 * @type {Array<{ file: string; code: string; mutator: string; replacement: string; reason: string }>}
 */
export const equivalentSurvivors = [
  {
    file: 'src/proxy/record-reader.ts',
    code: 'if (this.held.length > 0 || this.end > this.start) this.queueFlush();',
    mutator: 'ConditionalExpression',
    replacement: 'if (true) this.queueFlush();',
    reason:
      'attaching a consumer queues a flush of what waits; in every state a reader can reach, a flush is already queued or the bytes are already held: the first read without a consumer always goes to `held` (a 2 KiB buffer leaves less than a record free), and with a consumer each read queues one. So a flush queued when nothing waits finds nothing, and one not queued for `end > start` alone is already queued',
  },
  {
    file: 'src/proxy/record-reader.ts',
    code: 'if (this.held.length > 0 || this.end > this.start) this.queueFlush();',
    mutator: 'EqualityOperator',
    replacement: 'this.held.length >= 0',
    reason:
      'attaching a consumer queues a flush of what waits; in every state a reader can reach, a flush is already queued or the bytes are already held: the first read without a consumer always goes to `held` (a 2 KiB buffer leaves less than a record free), and with a consumer each read queues one. So a flush queued when nothing waits finds nothing, and one not queued for `end > start` alone is already queued',
  },
  {
    file: 'src/proxy/record-reader.ts',
    code: 'if (this.held.length > 0 || this.end > this.start) this.queueFlush();',
    mutator: 'ConditionalExpression',
    replacement: 'this.held.length > 0 || false',
    reason:
      'attaching a consumer queues a flush of what waits; in every state a reader can reach, a flush is already queued or the bytes are already held: the first read without a consumer always goes to `held` (a 2 KiB buffer leaves less than a record free), and with a consumer each read queues one. So a flush queued when nothing waits finds nothing, and one not queued for `end > start` alone is already queued',
  },
  {
    file: 'src/proxy/record-reader.ts',
    code: 'if (this.held.length > 0 || this.end > this.start) this.queueFlush();',
    mutator: 'EqualityOperator',
    replacement: 'this.end >= this.start',
    reason:
      'attaching a consumer queues a flush of what waits; in every state a reader can reach, a flush is already queued or the bytes are already held: the first read without a consumer always goes to `held` (a 2 KiB buffer leaves less than a record free), and with a consumer each read queues one. So a flush queued when nothing waits finds nothing, and one not queued for `end > start` alone is already queued',
  },
  {
    file: 'src/proxy/record-reader.ts',
    code: 'if (this.held.length > 0 || this.end > this.start) this.queueFlush();',
    mutator: 'EqualityOperator',
    replacement: 'this.end <= this.start',
    reason:
      'attaching a consumer queues a flush of what waits; in every state a reader can reach, a flush is already queued or the bytes are already held: the first read without a consumer always goes to `held` (a 2 KiB buffer leaves less than a record free), and with a consumer each read queues one. So a flush queued when nothing waits finds nothing, and one not queued for `end > start` alone is already queued',
  },
  {
    file: 'src/proxy/record-reader.ts',
    code: 'if (this.flushQueued) return;',
    mutator: 'ConditionalExpression',
    replacement: 'if (false) return;',
    reason:
      'the guard only saves a second setImmediate in one turn: the second flush finds `held` empty and `start` at `end`, and hands nothing on',
  },
  {
    file: 'src/proxy/record-reader.ts',
    code: 'this.flushQueued = true;',
    mutator: 'BooleanLiteral',
    replacement: 'this.flushQueued = false;',
    reason:
      'the same guard left off: a second setImmediate in one turn flushes a reader the first already emptied',
  },
  {
    file: 'src/proxy/pipeline.ts',
    code: 'if (!this.closed) this.head.end();',
    mutator: 'ConditionalExpression',
    replacement: 'if (true) this.head.end();',
    reason:
      'after close() the head is either the sink, whose end() checks `closed` itself, or a stage that close() disposed, whose end() runs nothing: ending it changes nothing',
  },
  {
    file: 'src/proxy/pipeline.ts',
    code: 'if (this.closed) return;',
    mutator: 'ConditionalExpression',
    replacement: 'if (false) return;',
    reason:
      'close() twice: the second releases the in-flight count the first set to 0, forgets a wake that is gone, and disposes stages that are disposed; all of it is idempotent',
  },
  {
    file: 'src/proxy/stage.ts',
    code: "return typeof value === 'string' ? value : undefined;",
    mutator: 'ConditionalExpression',
    replacement: 'return true ? value : undefined;',
    reason:
      'the one caller, bandwidth, asks for `scope`, a choice attribute the model fills with a string or leaves out: no value of another type reaches this test',
  },
  {
    file: 'src/proxy/http/header-faults.ts',
    code: "const text = (Array.isArray(value) ? (value[0] ?? '') : value).trim();",
    mutator: 'StringLiteral',
    replacement: 'const text = (Array.isArray(value) ? (value[0] ?? "Stryker was here!") : value).trim();',
    reason:
      'a header given as an empty list is read as a text with no digit; "Stryker was here!" has no digit either, so the header is refused all the same',
  },
  {
    file: 'src/model/fault-fs.ts',
    code: 'if (fault.when !== undefined) parseWhen(fault.when);',
    mutator: 'ConditionalExpression',
    replacement: 'if (true) parseWhen(fault.when);',
    reason:
      'parseWhen(undefined) returns the every-call test without throwing, so checking an absent `when` changes nothing',
  },
  {
    file: 'src/model/names.ts',
    code: 'if (maxLength !== undefined && name.length > maxLength) {',
    mutator: 'ConditionalExpression',
    replacement: 'if (true && name.length > maxLength) {',
    reason: 'without a limit the comparison is `name.length > undefined`, which is false for every length',
  },
  {
    file: 'src/experiment/run.ts',
    code: 'const state: { failed: boolean; error?: Error } = { failed: false };',
    mutator: 'ObjectLiteral',
    replacement: 'const state: { failed: boolean; error?: Error } = {};',
    reason:
      '`failed` is then undefined instead of false until it is set to true, and every reader tests it for truth (`=== true`, `&&`)',
  },
  {
    file: 'src/experiment/run.ts',
    code: 'if (!(error instanceof InterruptExecution)) throw error;',
    mutator: 'ConditionalExpression',
    replacement: 'if (false) throw error;',
    reason:
      "around controls.after('experiment') and controls.after('rollback'): the dispatcher lets only InterruptExecution out of a before/after hook (invokeHook records and logs every other failure, and rethrows one only from configure_control), so no other error reaches this test",
  },
  {
    file: 'src/model/fault.ts',
    code: 'if (fault.methods && (call.method === undefined || !fault.methods.includes(call.method))) return false;',
    mutator: 'ConditionalExpression',
    replacement: 'if (fault.methods && (false || !fault.methods.includes(call.method))) return false;',
    reason:
      'fault.methods holds strings only, so includes(undefined) is false and a call without a method is refused all the same; the undefined test is there for the type checker',
  },
  {
    file: 'src/model/fault.ts',
    code: 'if (fault.firstN !== undefined && matching > fault.firstN) return false;',
    mutator: 'ConditionalExpression',
    replacement: 'if (true && matching > fault.firstN) return false;',
    reason: 'without `firstN` the comparison is `matching > undefined`, which is false for every count',
  },
  {
    file: 'src/model/ip-block.ts',
    code: "const unbracketed = text.replace(/^\\[(.*)\\]$/, '$1').replace(/%.*$/, '');",
    mutator: 'Regex',
    replacement: '.replace(/%.*/, "")',
    reason:
      'the two differ only when a line break follows the zone, and a line break left in the text fails every group and IPv4 part test: no address either way',
  },
  {
    file: 'src/model/match.ts',
    code: 'if (!entry) {',
    mutator: 'ConditionalExpression',
    replacement: 'if (true) {',
    reason:
      'compiling a match again on every use gives the same patterns from the same match: only time is lost, no decision changes',
  },
  {
    file: 'src/model/match.ts',
    code: 'if (counter.first !== undefined && this.taken >= counter.first) return false;',
    mutator: 'ConditionalExpression',
    replacement: 'if (true && this.taken >= counter.first) return false;',
    reason: 'without `first` the comparison is `taken >= undefined`, which is false for every count',
  },
  {
    file: 'src/model/match.ts',
    code: "typeof value === 'number' && Number.isSafeInteger(value) && …",
    mutator: 'ConditionalExpression',
    replacement: 'true && Number.isSafeInteger(value) && …',
    reason:
      'Number.isSafeInteger is false for every value that is not a number, so the typeof test decides nothing on its own',
  },
  {
    file: 'src/inject/fs-faults.ts',
    code: 'if (fd !== undefined) fdPaths.set(fd, path);',
    mutator: 'ConditionalExpression',
    replacement: 'if (true) fdPaths.set(fd, path);',
    reason:
      'fs.open calls back without a descriptor only with an error; a path kept under `undefined` is never read, because paths are looked up by descriptor number only',
  },
  {
    file: 'src/model/proxy-spec.ts',
    code: "if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_IDLE_TIMEOUT_MS) {",
    mutator: 'ConditionalExpression',
    replacement: 'if (false || !Number.isSafeInteger(value) || …) {',
    reason:
      'Number.isSafeInteger is false for anything that is not a number, so the value is refused all the same; the typeof is there for the type checker, which needs a number to compare',
  },
  {
    file: 'src/model/toxic.ts',
    code: "if (spec.kind === 'choice' && spec.omitDefault && attributes[spec.name] === spec.default) {",
    mutator: 'ConditionalExpression',
    replacement: 'if (true && spec.omitDefault && …) {',
    reason: 'only choice attributes have omitDefault; the kind test is there for the type checker',
  },
  {
    file: 'src/model/toxic.ts',
    code: "const datagramOnly = definition.protocols?.length === 1 && definition.protocols[0] === 'udp';",
    mutator: 'ConditionalExpression',
    replacement: 'const datagramOnly = definition.protocols?.length === 1 && true;',
    reason:
      'the one toxic limited to a single protocol other than udp, grpc_status (http2), acts on requests, and unitOf answers "request" for it before this line',
  },
  {
    file: 'src/model/toxics/attribute-value.ts',
    code: "typeof value === 'number' && Number.isSafeInteger(value) && value >= spec.min && value <= spec.max",
    mutator: 'ConditionalExpression',
    replacement: 'true && Number.isSafeInteger(value) && …',
    reason:
      'Number.isSafeInteger is false for anything that is not a number; the typeof is there for the type checker, which needs a number to compare',
  },
  {
    file: 'src/model/toxics/attribute-value.ts',
    code: "typeof value === 'string' && spec.choices.includes(value)",
    mutator: 'ConditionalExpression',
    replacement: 'true && spec.choices.includes(value)',
    reason:
      'the choices are strings, and includes() compares without conversion, so a value that is not a string is never among them; the typeof is there for the type checker',
  },
  {
    file: 'src/experiment/python-decimal.ts',
    code: 'if (size > 400) return { numerator: negative ? -HUGE : HUGE, denominator: 1n };',
    mutator: 'EqualityOperator',
    replacement: 'if (size >= 400) return { numerator: negative ? -HUGE : HUGE, denominator: 1n };',
    reason:
      'a number of 400 digits is 1e399 or more: above every double (1.8e308) and below infinity, as HUGE is; range bounds are doubles or infinities, so it compares with each of them as HUGE does',
  },
  {
    file: 'src/experiment/python-decimal.ts',
    code: 'if (size < -400) return { numerator: negative ? -1n : 1n, denominator: HUGE };',
    mutator: 'EqualityOperator',
    replacement: 'if (size <= -400) return { numerator: negative ? -1n : 1n, denominator: HUGE };',
    reason:
      'a number of size -400 lies between 1e-401 and 1e-400: nearer 0 than any non-zero double (4.9e-324), as 1/HUGE is; against bounds that are doubles or infinities it compares as 1/HUGE does',
  },
  {
    file: 'src/experiment/python-decimal.ts',
    code: "const size = digits.replace(/^0+/, '').length + scale;",
    mutator: 'StringLiteral',
    replacement: 'const size = digits.replace(/^0+/, "Stryker was here!").length + scale;',
    reason:
      'the mutant only makes a number with leading zeros look larger, so more of them are taken as HUGE: all of those are past every double and below infinity, where HUGE is too, and a tiny one is still tiny (the same as the two boundary mutants above)',
  },
  {
    file: 'src/experiment/python-decimal.ts',
    code: 'if (!Number.isFinite(value)) return { numerator: value > 0 ? INFINITE : -INFINITE, denominator: 1n };',
    mutator: 'EqualityOperator',
    replacement:
      'if (!Number.isFinite(value)) return { numerator: value >= 0 ? INFINITE : -INFINITE, denominator: 1n };',
    reason: 'only Infinity, -Infinity and NaN are not finite, and `> 0` and `>= 0` differ only at 0',
  },
  {
    file: 'src/model/deadline-heap.ts',
    code: 'return a.at < b.at || (a.at === b.at && a.order < b.order);',
    mutator: 'EqualityOperator',
    replacement: 'return a.at < b.at || (a.at === b.at && a.order <= b.order);',
    reason:
      'every entry gets its own `order` (a counter) and an entry is never compared with itself, so two orders are never equal',
  },
  {
    file: 'src/experiment/rollback.ts',
    code: 'if (isSystemUndo(entry.undo)) return undefined;',
    mutator: 'ConditionalExpression',
    replacement: 'if (false) return undefined;',
    reason:
      'notOursOf\'s guard is there for the types (notOursAnyMore takes a proxy undo): given a system undo, notOursAnyMore compares only delete-proxy and remove-toxic entries and answers undefined at once, asking no server, so without the guard a system fault is still never "not ours"; `if (true)` is killed (rollback-undo.test.ts)',
  },
];

/** @param {{ node: { type: string }, parentPath?: { getSource(): string } | null, hub?: { file?: { opts?: { filename?: string } } }, getSource(): string }} path */
function shouldIgnore(path) {
  const filename = path.hub?.file?.opts?.filename;
  if (filename === undefined) return undefined;
  const normalized = filename.replaceAll('\\', '/');
  for (const entry of equivalentMutants) {
    if (!normalized.endsWith(`/${entry.file}`)) continue;
    if (path.getSource() !== entry.code) continue;
    if (entry.within !== undefined && !withinSource(path, entry.within)) continue;
    return `equivalent: ${entry.reason}`;
  }
  return undefined;
}

/** Whether an ancestor of the node (up to its statement) has exactly this source. */
function withinSource(path, source) {
  for (let ancestor = path.parentPath; ancestor; ancestor = ancestor.parentPath) {
    if (ancestor.getSource() === source) return true;
    if (ancestor.node.type.endsWith('Statement') || ancestor.node.type.endsWith('Declaration')) break;
  }
  return false;
}

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'equivalent', { shouldIgnore })];
