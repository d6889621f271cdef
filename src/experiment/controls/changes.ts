import { isDeepStrictEqual } from 'node:util';

/**
 * One change a control hook made to an object chaoslib hands it by reference (its context, the
 * experiment, the state, the configuration, the secrets): set `value` at `path`, or delete it.
 * Hooks run in another thread or process, so their changes travel back as these, and are
 * applied to the run's own objects; only what the hook changed is touched, so whatever the run
 * changed meanwhile (a background activity's journal entry) is kept.
 */
export interface Change {
  path: (string | number)[];
  value?: unknown;
  delete?: true;
}

/**
 * The changes that turn `before` into `after`: objects and same-length arrays are compared key by
 * key, anything else is replaced whole. The JavaScript side of what the Python helper's
 * `changes()` computes for Python hooks.
 */
export function changesBetween(before: unknown, after: unknown, path: Change['path'] = []): Change[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const found: Change[] = Object.keys(before)
      .filter((key) => !(key in after))
      .map((key) => ({ path: [...path, key], delete: true }));
    for (const [key, value] of Object.entries(after)) {
      if (key in before) found.push(...changesBetween(before[key], value, [...path, key]));
      else found.push({ path: [...path, key], value });
    }
    return found;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return after.flatMap((value, index) => changesBetween(before[index], value, [...path, index]));
  }
  return isDeepStrictEqual(before, after) ? [] : [{ path, value: after }];
}

/**
 * Applies changes to `root` in place. A path whose parent the run no longer has is skipped; an
 * array replaced whole keeps its identity (its contents are replaced), so the run's references
 * to it (journal.run, a probe list) see the change.
 */
export function applyChanges(root: unknown, changes: readonly Change[] | undefined): void {
  for (const change of changes ?? []) {
    if (change.path.length === 0) {
      replaceContents(root, change.value);
      continue;
    }
    let parent: unknown = root;
    for (const key of change.path.slice(0, -1)) {
      parent = isContainer(parent) ? (parent as Record<string | number, unknown>)[key] : undefined;
    }
    if (!isContainer(parent)) continue;
    const container = parent as Record<string | number, unknown>;
    const key = change.path.at(-1)!;
    if (change.delete) {
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete container[key];
    } else if (!replaceContents(container[key], change.value)) {
      container[key] = change.value;
    }
  }
}

/** Replaces an array's or object's contents with another's of the same kind; false otherwise. */
function replaceContents(target: unknown, source: unknown): boolean {
  if (Array.isArray(target) && Array.isArray(source)) {
    target.splice(0, target.length, ...(source as unknown[]));
    return true;
  }
  if (isPlainObject(target) && isPlainObject(source)) {
    for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
    Object.assign(target, source);
    return true;
  }
  return false;
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
