import { createRequire } from 'node:module';

// RFC 8785 canonical JSON, as the `canonicalize` package writes it, about 2.5 times faster. The
// journal's hashes are defined over that package's output, so this must produce exactly the same
// text for every input (test/audit/canonical-json.test.ts compares them on a corpus and on random
// values). It handles plain JSON data itself — null, booleans, finite numbers, strings, dense
// arrays and plain objects — and hands anything else to the package at the point where it occurs:
// non-finite numbers (which it refuses), toJSON, other objects (Date, Map, class instances),
// sparse arrays, functions, bigints. The speed comes from building one string instead of the
// package's `reduce` over template strings, from not calling JSON.stringify for strings that need
// no escaping, and from remembering how property names are written.

// canonicalize is CommonJS whose typings declare an ES default export; under NodeNext that
// default would be typed as the module object, so it is loaded as what it is: one function.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (
  input: unknown,
) => string | undefined;

/**
 * Characters JSON.stringify writes as escapes: controls, `"`, `\` and lone surrogates (any
 * surrogate here, to be safe: a string with one goes through JSON.stringify itself).
 */
// eslint-disable-next-line no-control-regex
const needsEscape = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** `"name":` by property name. Events reuse a few dozen names; the bound only guards memory. */
const memberPrefixes = new Map<string, string>();
const MAX_MEMBER_PREFIXES = 4096;

/** The canonical JSON text of `value`; undefined where the package gives undefined. */
export function canonicalJson(value: unknown): string | undefined {
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
    text += String(canonicalJson(item));
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
    text += memberPrefix(key) + String(canonicalJson(member));
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
