// The journal's own canonical JSON must write exactly what the `canonicalize` package writes, for
// every input: event hashes are defined over that text, and journals written before must verify.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical-json.js';

const canonicalize = createRequire(import.meta.url)('canonicalize') as (
  input: unknown,
) => string | undefined;

/** Both give the same text, or both throw the same error. */
function expectSame(value: unknown): void {
  let expected: { text?: string | undefined; error?: string };
  try {
    expected = { text: canonicalize(value) };
  } catch (error) {
    expected = { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
  if (expected.error !== undefined) {
    expect(() => canonicalJson(value)).toThrow(expected.error.replace(/^\w+: /, ''));
    return;
  }
  expect(canonicalJson(value)).toBe(expected.text);
}

class Money {
  constructor(readonly cents: number) {}
  toJSON() {
    return { amount: this.cents / 100, currency: 'EUR' };
  }
}

class Plain {
  b = 2;
  a = 1;
}

// eslint-disable-next-line no-sparse-arrays
const sparse = [1, , 3];
// eslint-disable-next-line no-sparse-arrays
const leadingHole = [, 2];
const arrayWithToJson = Object.assign([1, 2], { toJSON: () => 'array' });

const nullPrototype = (entries: Record<string, unknown>): object =>
  Object.assign(Object.create(null) as object, entries);

class List extends Array<unknown> {}

const cycle: Record<string, unknown> = { b: 1, a: 2 };
cycle.self = cycle;
const cycleThroughArray: unknown[] = [{ a: 1 }];
cycleThroughArray.push({ b: [cycleThroughArray] });

/** `depth` levels of `{ b, a: … }` (or `{ a: …, b }` if `sorted`) around an empty array. */
function nested(depth: number, sorted: boolean): unknown {
  let value: unknown = [];
  for (let level = 0; level < depth; level++) {
    value = sorted ? { a: value, b: level } : { b: level, a: value };
  }
  return value;
}

const corpus: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['empty string', ''],
  ['ascii', 'hello world'],
  ['escapes', 'quote " backslash \\ slash / \b\f\n\r\t'],
  ['control characters', '\u0000\u0001\u001f\u007f'],
  ['unicode', 'Grüße, 日本語, emoji 😀, combining é, RTL עברית'],
  ['lone surrogates', '\ud800 \udfff \ud83d'],
  ['paired surrogates', '😀 𝄞 \ud83d\ude00'],
  ['line separators', '\u2028\u2029'],
  ['zero', 0],
  ['negative zero', -0],
  ['integers', [1, -1, 42, 9007199254740991, -9007199254740991, 2 ** 53 + 2]],
  ['exponent boundaries', [1e20, 1e21, 1e-6, 1e-7, 123e-20, 1.5e300]],
  ['floats', [0.1, 0.2 + 0.1, 1 / 3, -2.5, 3.14159, 4.35, 0.000001234]],
  ['extremes', [Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, 5e-324]],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity in an object', { value: Number.NEGATIVE_INFINITY }],
  ['NaN deep inside', { a: [{ b: Number.NaN }] }],
  ['empty array', []],
  ['empty object', {}],
  ['nested arrays', [[], [[]], [1, [2, [3, [4]]]]]],
  ['key order', { b: 1, a: 2, c: { z: 1, y: 2, x: [{ d: 1, c: 2 }] } }],
  ['unicode keys', { é: 1, e: 2, '😀': 3, '\u20ac': 4, '\r': 5, '1': 6, '10': 7, '2': 8, A: 9 }],
  ['keys needing escapes', { 'a"b': 1, 'a\\b': 2, '\n': 3 }],
  [
    'many keys (past the insertion sort)',
    Object.fromEntries(
      ['z', 'é', '😀', 'A', 'a', '\u20ac', '10', '9', '_', ' ', 'ab', 'aa', 'b', 'B', '\ud800', 'ä']
        .concat(['q', 'p', 'o', 'n', '1', 'ﬀ', '\uffff', '\u0000'])
        .map((key, index) => [key, index]),
    ),
  ],
  ['undefined and symbols in objects', { a: undefined, b: Symbol('s'), c: 1 }],
  ['undefined and symbols in arrays', [undefined, Symbol('s'), 1]],
  ['functions', { f: () => 1, list: [() => 2] }],
  ['sparse array', sparse],
  ['array with a leading hole', leadingHole],
  ['array with toJSON', arrayWithToJson],
  ['object with toJSON', new Money(1234)],
  ['toJSON as a plain value', { toJSON: 'not a function', a: 1 }],
  ['toJSON as a function property', { toJSON: () => ({ replaced: true }) }],
  ['Date', new Date('2026-11-21T09:12:15.123Z')],
  ['class instance', new Plain()],
  ['null prototype', Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
  ['Map', new Map([['a', 1]])],
  ['boxed values', [new Number(1), new String('s'), new Boolean(false)]],
  ['top-level undefined', undefined],
  ['top-level function', () => 1],
  ['bigint', { n: 10n }],
  // Each way through canonical-json.ts: JSON.stringify of the value itself (every object's keys
  // already in order), of a copy with the objects out of order (and those holding them) sorted,
  // and the string builder for what neither can take.
  ['sorted: written as it is', { a: 1, b: [true, null, 'x', -0], c: { d: -0, e: 1.5 } }],
  ['unsorted: a sorted copy', { c: 1, a: { z: [1], y: null }, b: 'x' }],
  ['sorted, an unsorted member in the middle', { a: 1, b: 2, c: { y: 1, x: 2 }, d: 3 }],
  ['sorted, an unsorted first member', { a: { y: 1, x: 2 }, b: [{ d: 1, c: 2 }] }],
  ['sorted, an unsorted member deep down', { a: { b: { c: [1, [{ e: 1, d: 2 }]] } }, z: 0 }],
  ['unsorted objects in arrays', [{ b: 1, a: 2 }, [{ d: 1, c: 2 }], { a: 1 }, [], {}]],
  ['unsorted after sorted in an array', [{ a: 1 }, 'x', { b: 1, a: 2 }]],
  ['200 levels, sorted', nested(200, true)],
  ['200 levels, unsorted', nested(200, false)],
  ['array-index keys, in order', { '1': 1, '2': 2, a: 3 }],
  ['array-index keys, numeric order not sorted', { '10': 1, '9': 2 }],
  ['array-index keys listed before a smaller name', { '+': 1, '1': 2 }],
  ['unsorted, with an array-index key', { b: 1, a: 2, '1': 3 }],
  ['unsorted, keys starting with digits', { b: 1, a: 2, '1a': 3, '01': 4 }],
  ['array-index keys in order, an unsorted member', { '1': { b: 1, a: 2 }, '2': 3, a: 4 }],
  ['__proto__ key, sorted', JSON.parse('{"__proto__":{"b":1},"a":2}')],
  ['__proto__ key, unsorted', JSON.parse('{"b":1,"__proto__":2}')],
  ['__proto__ key, an unsorted member', JSON.parse('{"__proto__":1,"a":{"c":1,"b":2}}')],
  ['__proto__ key, nested in an unsorted object', JSON.parse('{"b":{"__proto__":[]},"a":1}')],
  ['null prototype, sorted', nullPrototype({ a: 1, b: { c: 2 } })],
  ['null prototype, nested and unsorted', { b: nullPrototype({ d: 1, c: 2 }), a: 1 }],
  ['undefined and symbols in an unsorted object', { c: undefined, b: Symbol('s'), a: 1 }],
  ['undefined and symbols in arrays, in an unsorted object', { b: [undefined, Symbol()], a: [] }],
  ['undefined first, in an object copied for its member', { a: undefined, b: { d: 1, c: 2 } }],
  ['function in a sorted array', [1, () => 2]],
  ['function member of a nested unsorted object', { b: { f() {}, a: 1 }, a: 1 }],
  ['function member, after a sorted copy', [{ b: 1, a: 2 }, { f: () => 1 }]],
  ['symbol keys', { [Symbol('k')]: 1, b: 1, a: 2 }],
  ['non-enumerable member', Object.defineProperty({ b: 1, a: 2 }, 'c', { value: 3 })],
  [
    'getter',
    {
      get b() {
        return 1;
      },
      a: 2,
    },
  ],
  ['Infinity in an unsorted object', { b: 1, a: [Number.POSITIVE_INFINITY] }],
  ['bigint in an array', [1n]],
  ['Date nested', { b: new Date(0), a: 1 }],
  ['toJSON nested', [{ price: new Money(5) }]],
  ['array with toJSON nested', { list: arrayWithToJson }],
  ['toJSON giving an unsorted object', [{ toJSON: () => ({ b: 1, a: 2 }) }]],
  [
    'array with toJSON giving an unsorted object',
    [Object.assign([1], { toJSON: () => ({ b: 1, a: 2 }) })],
  ],
  ['sparse array nested', { b: sparse, a: 1 }],
  ['toJSON: undefined', { toJSON: undefined, a: 1 }],
  ['array with other properties', Object.assign([{ b: 1, a: 2 }], { extra: 'x' })],
  ['Array subclass', List.from([{ b: 1, a: 2 }, 3])],
  ['cycle', cycle],
  ['cycle through an array', cycleThroughArray],
  [
    'an audit event',
    {
      id: '01936f6e-1111-7222-8333-444455556666',
      seq: 1042,
      time: '2026-11-21T09:12:15.123Z',
      type: 'db.query',
      actor: {
        subject: '0oa8f5j3ecb5w3dF35d7',
        name: 'billing-agent',
        provider: 'okta',
        groups: ['agents-db', 'readers'],
        kind: 'agent',
        clientId: null,
      },
      source: { ip: '10.0.0.7', port: 51234, client: 'psql', user: 'agent' },
      connection: { name: 'pg-prod', type: 'postgres' },
      sessionId: '01936f6d-aaaa-7bbb-8ccc-123456789012',
      authorization: { group: 'agents-db', rule: 'pg-prod.allow[0]' },
      request: { command: 'DELETE FROM orders WHERE id = $1', params: ['42', null], protocol: 'x' },
      response: { rows: 1, bytes: 11, sample: 'DELETE 1', truncated: false, tags: ['DELETE 1'] },
      outcome: { result: 'success', error: null, durationMs: 0.8 },
      raw: null,
      totals: null,
      prevHash: '0'.repeat(64),
    },
  ],
];

describe('canonicalJson', () => {
  it.each(corpus)('writes what canonicalize writes: %s', (_name, value) => {
    expectSame(value);
  });

  it('writes what canonicalize writes for random values, mostly JSON', () => {
    let seed = 20261121;
    const random = () => {
      // mulberry32: a small deterministic generator, so a failure can be replayed.
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
    const text = (): string => {
      const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0000', 'é', '日', '😀', '\ud800'];
      let out = '';
      for (let i = Math.floor(random() * 8); i > 0; i--) out += pick(alphabet);
      return out;
    };
    const number = (): number =>
      pick([
        () => Math.floor(random() * 1000) - 500,
        () => (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30),
        () => -0,
        () => 10 ** Math.floor(random() * 40 - 10),
        () => random(),
      ])();
    // Now and then a value JSON.stringify does not write as the package does, among plain data.
    const unusual = (): unknown =>
      pick([undefined, Symbol('s'), () => 1, Number.NaN, 1n, new Date(0), new Plain()]);
    const list = (depth: number): unknown[] =>
      Array.from({ length: Math.floor(random() * 5) }, () => value(depth + 1));
    const record = (depth: number): Record<string, unknown> => {
      const entries = Array.from(
        { length: Math.floor(random() * 6) },
        () => [text(), value(depth + 1)] as const,
      );
      // Half with the keys inserted in sorted order, as parsed canonical JSON has them.
      if (random() < 0.5) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const result: Record<string, unknown> =
        random() < 0.1 ? (Object.create(null) as Record<string, unknown>) : {};
      for (const [key, member] of entries) result[key] = member;
      if (random() < 0.1) result.skipped = undefined;
      return result;
    };
    const value = (depth: number): unknown => {
      const kinds = depth > 3 ? 5 : 8;
      if (random() < 0.02) return unusual();
      switch (Math.floor(random() * kinds)) {
        case 0:
          return null;
        case 1:
          return random() < 0.5;
        case 2:
        case 3:
          return number();
        case 4:
          return text();
        case 5:
          return list(depth);
        default:
          return record(depth);
      }
    };
    // Arrays and objects at the top as well as any value: the fast paths start at one.
    for (let i = 0; i < 5000; i++) expectSame([value, list, record][i % 3]?.(0));
  });
});
