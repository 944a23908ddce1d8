import { createRequire } from 'node:module';

// RFC 8785 canonical JSON, exactly as the `canonicalize` package writes it: the journal's hashes
// are defined over that package's output, so this must produce the same text for every input
// (test/audit/canonical-json.test.ts compares them on a corpus and on random values).
//
// The package writes members sorted by UTF-16 code units, and strings and finite numbers as
// JSON.stringify writes them. JSON.stringify writes members in Object.keys order, so for plain
// JSON data whose objects all list their keys in sorted order, one JSON.stringify call gives the
// package's text. Events mostly arrive with nested objects in their producers' order, so
// `inKeyOrder` first copies the objects that are out of order, and those containing them, with
// their keys inserted in sorted order (the order V8 keeps for keys that are not array indices).
// The check and the copies cost about what JSON.stringify saves over the string builder below, but
// the text is one flat string, which hashes without first being flattened (a built one must be);
// the cost, mostly JSON.stringify's, slows much less than the builder's in a process that has
// written objects with many different keys before; and sorted data (parsed canonical JSON, say)
// needs no copy at all.
//
// Anything else — non-finite numbers (which the package refuses), toJSON, other objects (Date,
// Map, class instances), sparse arrays, functions, bigints, and out-of-order objects whose copy
// could not be put in order (array-index keys, `__proto__`) — takes the string builder, which
// writes plain data itself and hands the rest to the package where it occurs.

// canonicalize is CommonJS whose typings declare an ES default export; under NodeNext that
// default would be typed as the module object, so it is loaded as what it is: one function.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (
  input: unknown,
) => string | undefined;

/** The canonical JSON text of `value`; undefined where the package gives undefined. */
export function canonicalJson(value: unknown): string | undefined {
  return plainCanonicalJson(value) ?? build(value);
}

/**
 * The canonical JSON text of an object or array of plain JSON data, which JSON.stringify writes;
 * null for anything else. Such a text is always JSON: it cannot hold the `undefined` the package
 * writes for a function.
 */
export function plainCanonicalJson(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const ordered = inKeyOrder(value);
  return ordered === UNUSUAL ? null : JSON.stringify(ordered);
}

/** What `inKeyOrder` gives for a value JSON.stringify would not write as the package does. */
const UNUSUAL = Symbol('unusual');

/**
 * `value` itself if JSON.stringify writes it as the package does; otherwise a copy that it
 * writes so, with sorted keys where they were not; UNUSUAL where neither is possible.
 */
function inKeyOrder(value: object): unknown {
  return Array.isArray(value)
    ? arrayInKeyOrder(value)
    : objectInKeyOrder(value as Record<string, unknown>);
}

function arrayInKeyOrder(items: unknown[]): unknown {
  if ((items as { toJSON?: unknown }).toJSON !== undefined) return UNUSUAL;
  let copy: unknown[] | undefined;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    switch (typeof item) {
      case 'object': {
        if (item === null) break;
        const ordered = inKeyOrder(item);
        if (ordered === UNUSUAL) return UNUSUAL;
        if (ordered !== item) (copy ??= items.slice())[index] = ordered;
        break;
      }
      case 'number':
        if (!Number.isFinite(item)) return UNUSUAL;
        break;
      case 'undefined':
        // Both write undefined and symbols in arrays as null; holes too, but the package skips them.
        if (!(index in items)) return UNUSUAL;
        break;
      case 'string':
      case 'boolean':
      case 'symbol':
        break;
      default:
        // A function (the package writes `undefined`, JSON.stringify null) or a bigint.
        return UNUSUAL;
    }
  }
  return copy ?? items;
}

function objectInKeyOrder(record: Record<string, unknown>): unknown {
  // As in the builder: a toJSON, or any object but a plain one, is for the package to write.
  const prototype: unknown = Object.getPrototypeOf(record);
  if ((prototype !== Object.prototype && prototype !== null) || record.toJSON !== undefined) {
    return UNUSUAL;
  }
  const keys = Object.keys(record);
  // The copy, once one is needed: from the start if the keys are out of order, else from the
  // first member that is itself replaced by a copy.
  let copy: Members | undefined;
  if (!inOrder(keys)) {
    if (!canCopy(keys, true)) return UNUSUAL;
    sortNames(keys);
    copy = new Members();
  }
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    let member = record[key];
    switch (typeof member) {
      case 'object': {
        if (member === null) break;
        const ordered = inKeyOrder(member);
        if (ordered === UNUSUAL) return UNUSUAL;
        if (ordered !== member && copy === undefined) {
          if (!canCopy(keys, false)) return UNUSUAL;
          copy = new Members();
          for (const earlier of keys.slice(0, index)) copy[earlier] = record[earlier];
        }
        member = ordered;
        break;
      }
      case 'number':
        if (!Number.isFinite(member)) return UNUSUAL;
        break;
      case 'string':
      case 'boolean':
      case 'undefined':
      case 'symbol':
        // Both leave out undefined and symbol members.
        break;
      default:
        // A function (the package writes `"name":undefined`, JSON.stringify leaves it out) or a
        // bigint.
        return UNUSUAL;
    }
    if (copy !== undefined) copy[key] = member;
  }
  return copy ?? record;
}

/**
 * A sorted copy's members. A class rather than `{}` because V8 gives a class's instances more
 * room for properties in the object itself (ten rather than four, in Node 20), which makes the
 * copies measurably cheaper to fill. JSON.stringify writes own properties only, so the prototype
 * makes no difference to the text.
 */
class Members {
  [name: string]: unknown;
}

function inOrder(names: string[]): boolean {
  for (let index = 1; index < names.length; index++) {
    if ((names[index - 1] as string) > (names[index] as string)) return false;
  }
  return true;
}

/**
 * Whether a copy given these keys in this order (sorted, if `reordering`) lists them in that order
 * too. Not if one is `__proto__`: assigning it would set the copy's prototype. And when reordering,
 * not if one may be an array index (starts with a digit): those are listed first, in numeric
 * order, whatever the insertion order ("9" before "10"). A copy in the original's order lists
 * them as the original does.
 */
function canCopy(keys: string[], reordering: boolean): boolean {
  for (const key of keys) {
    if (key === '__proto__') return false;
    if (reordering) {
      const first = key.charCodeAt(0);
      if (first >= 0x30 && first <= 0x39) return false;
    }
  }
  return true;
}

// The string builder, for values JSON.stringify cannot write as the package does. It builds
// one string instead of the package's `reduce` over template strings, does not call
// JSON.stringify for strings that need no escaping, and remembers how property names are written.

/**
 * Characters JSON.stringify writes as escapes: controls, `"`, `\` and lone surrogates (any
 * surrogate here, to be safe: a string with one goes through JSON.stringify itself).
 */
// eslint-disable-next-line no-control-regex
const needsEscape = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** `"name":` by property name. Events reuse a few dozen names; the bound only guards memory. */
const memberPrefixes = new Map<string, string>();
const MAX_MEMBER_PREFIXES = 4096;

function build(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return needsEscape.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      // A finite number prints as JSON.stringify prints it: ECMAScript Number::toString.
      return Number.isFinite(value) ? String(value) : canonicalize(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return array(value);
      return object(value as Record<string, unknown>);
    default:
      return canonicalize(value);
  }
}

function array(items: unknown[]): string | undefined {
  // An array with a toJSON of its own is the package's to serialize.
  if ((items as { toJSON?: unknown }).toJSON !== undefined) return canonicalize(items);
  let text = '[';
  for (let index = 0; index < items.length; index++) {
    let item = items[index];
    if (item === undefined || typeof item === 'symbol') {
      // A hole is skipped by the package's reduce (not written as null): leave the array to it.
      if (!(index in items)) return canonicalize(items);
      item = null;
    }
    if (index > 0) text += ',';
    // As in the package's template string, an undefined text (a function's) reads "undefined".
    text += String(build(item));
  }
  return `${text}]`;
}

function object(record: Record<string, unknown>): string | undefined {
  const prototype: unknown = Object.getPrototypeOf(record);
  if ((prototype !== Object.prototype && prototype !== null) || record.toJSON !== undefined) {
    return canonicalize(record);
  }
  const keys = sortNames(Object.keys(record));
  let text = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'symbol') continue;
    if (first) first = false;
    else text += ',';
    text += memberPrefix(key) + String(build(member));
  }
  return `${text}}`;
}

/**
 * Property names in the order of the package's `sort()`: by UTF-16 code units, as RFC 8785
 * orders them (`<` on strings compares code units too). Insertion sort for the few names of an
 * event's objects; the built-in sort beyond that.
 */
function sortNames(names: string[]): string[] {
  if (names.length > 16) return names.sort();
  for (let index = 1; index < names.length; index++) {
    const name = names[index] as string;
    let at = index - 1;
    while (at >= 0 && (names[at] as string) > name) {
      names[at + 1] = names[at] as string;
      at--;
    }
    names[at + 1] = name;
  }
  return names;
}

function memberPrefix(name: string): string {
  let prefix = memberPrefixes.get(name);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(name)}:`;
    if (memberPrefixes.size < MAX_MEMBER_PREFIXES) memberPrefixes.set(name, prefix);
  }
  return prefix;
}
