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

  it('writes what canonicalize writes for random JSON values', () => {
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
    const value = (depth: number): unknown => {
      const kinds = depth > 3 ? 5 : 8;
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
          return Array.from({ length: Math.floor(random() * 5) }, () => value(depth + 1));
        default: {
          const record: Record<string, unknown> = {};
          for (let i = Math.floor(random() * 6); i > 0; i--) record[text()] = value(depth + 1);
          if (random() < 0.1) record.skipped = undefined;
          return record;
        }
      }
    };
    for (let i = 0; i < 5000; i++) expectSame(value(0));
  });
});
