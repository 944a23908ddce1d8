// Masking of what the client receives (`masking.results`): the values of chosen columns are
// replaced whole, and chosen detectors are applied to every other text value, by writing a new
// DataRow message in place of the target's.
//
// - A column is chosen by the name the client sees (RowDescription's field name), compared
//   case-insensitively. That is the output name: `SELECT email AS e` or an expression escapes it;
//   detectors look at values, whatever their column is called.
// - Text-format values only. A chosen column in binary format becomes NULL: `[masked]` has no
//   valid binary encoding for most types, and a client must not decode garbage as a number. The
//   detectors leave binary values alone (they read text).
// - NULL stays NULL (there is no value to hide).
// - Values are read as UTF-8 (the client_encoding clients use); unchanged values keep their bytes.
// - Before any RowDescription (or past its columns) a value is taken as text, for the detectors.
import { BUILTIN_DETECTORS, type MaskingConfig } from '../../config/policy-types.js';
import { Masker } from '../../policy/masking/index.js';
import { decodeDataRow, decodeRowDescription, type Column } from './server-messages.js';

/** What a chosen column's text value becomes. */
const columnMarker = Buffer.from('[masked]', 'utf8');

/** The key under which `mask` counts values replaced because of their column. */
export const MASKED_COLUMN_COUNT = 'column';

/** What happens to a column's values. */
type ColumnAction = 'keep' | 'detect' | 'replace' | 'null';

// One Masker per masking config (a connection's, for as long as the config lives): sessions
// share it instead of compiling the detectors again for each.
const resultMaskers = new WeakMap<MaskingConfig, Masker | null>();

function resultMasker(config: MaskingConfig): Masker | null {
  let masker = resultMaskers.get(config);
  if (masker === undefined) {
    const names = config.results.detectors;
    const known = [...BUILTIN_DETECTORS, ...config.custom.map((custom) => custom.name)];
    const unknown = names.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new Error(
        `masking.results.detectors: unknown detector ${unknown.map((name) => `"${name}"`).join(', ')}; ` +
          `expected one of ${known.join(', ')}`,
      );
    }
    masker =
      names.length === 0
        ? null
        : new Masker({
            detectors: BUILTIN_DETECTORS.filter((name) => names.includes(name)),
            custom: config.custom.filter((custom) => names.includes(custom.name)),
            results: config.results,
          });
    resultMaskers.set(config, masker);
  }
  return masker;
}

/** One per session: it keeps the columns of the result being sent. */
export class DataRowMasker {
  private readonly columnNames: ReadonlySet<string>;
  private readonly detectors: Masker | null;
  private actions: ColumnAction[] = [];
  /** For values with no described column. */
  private readonly undescribed: ColumnAction;

  /** Throws when `results.detectors` names a detector the config does not have. */
  constructor(config: MaskingConfig) {
    this.columnNames = new Set(config.results.columns.map((name) => name.toLowerCase()));
    this.detectors = resultMasker(config);
    this.undescribed = this.detectors ? 'detect' : 'keep';
  }

  /** Whether it can change anything: when not, rows need not pass through it. */
  get active(): boolean {
    return this.columnNames.size > 0 || this.detectors !== null;
  }

  /** The columns of the rows that follow, from a RowDescription message body. */
  describe(rowDescription: Buffer): void {
    this.setColumns(decodeRowDescription(rowDescription));
  }

  /** The columns of the rows that follow, already decoded (the session decodes them once). */
  setColumns(columns: readonly Column[]): void {
    this.actions = columns.map((column) => {
      if (this.columnNames.has(column.name.toLowerCase()))
        return column.binary ? 'null' : 'replace';
      return column.binary ? 'keep' : this.undescribed;
    });
  }

  /**
   * The complete DataRow message (type byte and length included) to send instead of the one
   * whose body is `dataRow`, or null when the row is unchanged. Adds to `counts` what it masked:
   * per detector, and values of chosen columns under `column`. Needs the whole body: throws when
   * it is cut short.
   */
  mask(dataRow: Buffer, counts: Record<string, number>): Buffer | null {
    if (!this.active) return null;
    const { values, complete } = decodeDataRow(dataRow);
    if (!complete) {
      throw new Error(
        `a DataRow body of ${dataRow.length} bytes is cut short: masking needs the whole row`,
      );
    }
    // Per value: the new bytes, null for NULL, undefined (a hole) where it is unchanged.
    let replaced: Array<Buffer | null | undefined> | null = null;
    for (let index = 0; index < values.length; index++) {
      const value = values[index] ?? null;
      if (value === null) continue;
      const replacement = this.maskValue(value, this.actions[index] ?? this.undescribed, counts);
      if (replacement !== undefined) (replaced ??= new Array(values.length))[index] = replacement;
    }
    return replaced && dataRowMessage(values, replaced);
  }

  private maskValue(
    value: Buffer,
    action: ColumnAction,
    counts: Record<string, number>,
  ): Buffer | null | undefined {
    switch (action) {
      case 'keep':
        return undefined;
      case 'replace':
      case 'null':
        counts[MASKED_COLUMN_COUNT] = (counts[MASKED_COLUMN_COUNT] ?? 0) + 1;
        return action === 'replace' ? columnMarker : null;
      case 'detect': {
        const text = value.toString('utf8');
        const masked = this.detectors!.mask(text, counts);
        return masked === text ? undefined : Buffer.from(masked, 'utf8');
      }
    }
  }
}

/** A DataRow message: 'D', int32 length, int16 count, then per value int32 length (-1: NULL) and bytes. */
function dataRowMessage(
  values: ReadonlyArray<Buffer | null>,
  replaced: ReadonlyArray<Buffer | null | undefined>,
): Buffer {
  const row = values.map((value, index) => {
    const replacement = replaced[index];
    return replacement === undefined ? value : replacement;
  });
  let length = 4 + 2;
  for (const value of row) length += 4 + (value ? value.length : 0);
  const message = Buffer.allocUnsafe(1 + length);
  message[0] = 0x44;
  message.writeInt32BE(length, 1);
  message.writeInt16BE(row.length, 5);
  let position = 7;
  for (const value of row) {
    if (value === null) {
      message.writeInt32BE(-1, position);
      position += 4;
      continue;
    }
    message.writeInt32BE(value.length, position);
    value.copy(message, position + 4);
    position += 4 + value.length;
  }
  return message;
}
