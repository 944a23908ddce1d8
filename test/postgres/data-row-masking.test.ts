import type { BackendMessage, DataRowMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import { describe, expect, it } from 'vitest';
import type { MaskingConfig } from '../../src/config/policy-types.js';
import { DataRowMasker } from '../../src/protocols/postgres/data-row-masking.js';

// Hand-built server messages, as a target sends them.

function int16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeInt16BE(value);
  return bytes;
}

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
}

/** A RowDescription body: text columns unless `binary` names them. */
function rowDescription(names: string[], binary: string[] = []): Buffer {
  return Buffer.concat([
    int16(names.length),
    ...names.map((name, index) =>
      Buffer.concat([
        Buffer.from(`${name}\0`, 'utf8'),
        int32(16384), // table oid
        int16(index + 1), // column number
        int32(25), // type oid (text)
        int16(-1), // size
        int32(-1), // modifier
        int16(binary.includes(name) ? 1 : 0),
      ]),
    ),
  ]);
}

/** A DataRow body. */
function dataRow(values: Array<string | Buffer | null>): Buffer {
  return Buffer.concat([
    int16(values.length),
    ...values.map((value) => {
      if (value === null) return int32(-1);
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      return Buffer.concat([int32(bytes.length), bytes]);
    }),
  ]);
}

/** The values of a whole DataRow message, as pg-protocol's parser (node-postgres's) reads them. */
function parsed(message: Buffer): (string | null)[] {
  const messages: BackendMessage[] = [];
  new Parser().parse(message, (parsedMessage) => messages.push(parsedMessage));
  expect(messages.map((each) => each.name)).toEqual(['dataRow']);
  return (messages[0] as DataRowMessage).fields as (string | null)[];
}

function config(
  results: MaskingConfig['results'],
  custom: MaskingConfig['custom'] = [],
): MaskingConfig {
  // The record's detectors play no part in what the client receives.
  return { detectors: ['email', 'card', 'secrets', 'passwords'], custom, results };
}

describe('DataRowMasker', () => {
  it('replaces the values of chosen columns whole, whatever the case of their names', () => {
    const masker = new DataRowMasker(config({ columns: ['Email', 'ssn'], detectors: [] }));
    masker.describe(rowDescription(['id', 'EMAIL', 'ssn', 'note']));
    const counts: Record<string, number> = {};
    const message = masker.mask(dataRow(['1', 'jane@example.com', null, 'a@b.com']), counts)!;
    expect(parsed(message)).toEqual(['1', '[masked]', null, 'a@b.com']);
    expect(counts).toEqual({ column: 1 });
  });

  it('applies chosen detectors, built-in and custom, to every text value', () => {
    const masker = new DataRowMasker(
      config({ columns: [], detectors: ['card', 'employee-id'] }, [
        { name: 'employee-id', pattern: /EMP-\d{6}/ },
        { name: 'unused', pattern: /id/g },
      ]),
    );
    masker.describe(rowDescription(['id', 'card', 'who']));
    const counts: Record<string, number> = {};
    const message = masker.mask(
      dataRow(['7', 'paid with 4111 1111 1111 1111', 'EMP-123456 (jane@example.com) ✓']),
      counts,
    )!;
    expect(parsed(message)).toEqual([
      '7',
      'paid with [masked:card]',
      '[masked:employee-id] (jane@example.com) ✓',
    ]);
    expect(counts).toEqual({ card: 1, 'employee-id': 1 });
  });

  it('answers null for a row it leaves unchanged, and adds no counts', () => {
    const masker = new DataRowMasker(config({ columns: ['email'], detectors: ['card'] }));
    masker.describe(rowDescription(['id', 'email']));
    const counts: Record<string, number> = {};
    expect(masker.mask(dataRow(['4111111111111112', null]), counts)).toBeNull();
    expect(counts).toEqual({});
  });

  it('turns a chosen binary column into NULL and leaves other binary values to the client', () => {
    const masker = new DataRowMasker(config({ columns: ['token'], detectors: ['card'] }));
    masker.describe(rowDescription(['id', 'token', 'raw'], ['id', 'token', 'raw']));
    const card = Buffer.from('4111111111111111', 'utf8');
    const counts: Record<string, number> = {};
    const message = masker.mask(dataRow([int32(7), Buffer.from([1, 2, 3]), card]), counts)!;
    expect(message).toEqual(
      Buffer.concat([
        Buffer.from('D'),
        int32(4 + 2 + 8 + 4 + 4 + 16),
        dataRow([int32(7), null, card]),
      ]),
    );
    expect(counts).toEqual({ column: 1 });
  });

  it('keeps the bytes of every value it does not change', () => {
    const masker = new DataRowMasker(config({ columns: [], detectors: ['email'] }));
    masker.describe(rowDescription(['a', 'b', 'c']));
    const body = dataRow(['héllo wörld', '', 'x@y.io']);
    const message = masker.mask(body, {})!;
    expect(message.subarray(5)).toEqual(dataRow(['héllo wörld', '', '[masked:email]']));
    expect(message.readInt32BE(1)).toBe(message.length - 1);
  });

  it('takes each RowDescription for the rows that follow it', () => {
    const masker = new DataRowMasker(config({ columns: ['secret'], detectors: [] }));
    masker.describe(rowDescription(['secret']));
    expect(parsed(masker.mask(dataRow(['s1']), {})!)).toEqual(['[masked]']);
    masker.describe(rowDescription(['public']));
    expect(masker.mask(dataRow(['s1']), {})).toBeNull();
  });

  it('applies the detectors to values it has no column for', () => {
    const masker = new DataRowMasker(config({ columns: ['email'], detectors: ['email'] }));
    expect(parsed(masker.mask(dataRow(['a@b.com']), {})!)).toEqual(['[masked:email]']);
  });

  it('is inactive, and changes nothing, when results name no column and no detector', () => {
    const masker = new DataRowMasker(config({ columns: [], detectors: [] }));
    expect(masker.active).toBe(false);
    expect(masker.mask(dataRow(['a@b.com']), {})).toBeNull();
    expect(new DataRowMasker(config({ columns: ['x'], detectors: [] })).active).toBe(true);
  });

  it('refuses a row cut short', () => {
    const masker = new DataRowMasker(config({ columns: [], detectors: ['email'] }));
    const body = dataRow(['a@b.com', 'more']);
    expect(() => masker.mask(body.subarray(0, body.length - 2), {})).toThrow(
      'a DataRow body of 19 bytes is cut short: masking needs the whole row',
    );
  });

  it('refuses a detector the config does not have, naming the known ones', () => {
    expect(() => new DataRowMasker(config({ columns: [], detectors: ['card', 'ssn'] }))).toThrow(
      'masking.results.detectors: unknown detector "ssn"; expected one of email, card, secrets, passwords',
    );
  });
});
