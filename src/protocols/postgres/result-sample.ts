// A readable, bounded rendering of a statement's result for the record: the column names, then
// one line per row (` | ` between values, NULL as NULL, binary values as `\x` hex), then the
// command tag. It stops growing at `limit` bytes and says it was truncated; rows past the limit
// are still counted by the recorder, just not rendered.
import { renderValue } from './frontend-messages.js';
import { decodeDataRow, type Column } from './server-messages.js';

const separator = ' | ';

export class ResultSample {
  private lines: string[] = [];
  private size = 0;
  private cut = false;
  private columns: Column[] = [];

  constructor(private readonly limit: number) {}

  /** True once the limit is reached: callers can stop decoding rows. */
  get full(): boolean {
    return this.cut;
  }

  /** How many body bytes of a row are worth decoding for what is left of the sample. */
  get remaining(): number {
    return this.cut ? 0 : this.limit - this.size;
  }

  get truncated(): boolean {
    return this.cut;
  }

  text(): string {
    return this.lines.join('\n');
  }

  setColumns(columns: Column[]): void {
    this.columns = columns;
    if (columns.length > 0) this.add(columns.map((column) => column.name).join(separator));
  }

  dataRow(body: Buffer): void {
    if (this.cut) return;
    const { values, complete } = decodeDataRow(body);
    const rendered = values.map((value, index) =>
      value === null
        ? 'NULL'
        : renderValue(value, this.columns[index]?.binary ?? false, this.remaining),
    );
    this.add(rendered.join(separator));
    if (!complete) this.cut = true;
  }

  /** COPY TO STDOUT data: text format as it is (it already has one row per line), binary as hex. */
  copyData(body: Buffer, binary: boolean): void {
    if (this.cut) return;
    const text = renderValue(body, binary, this.remaining);
    this.add(text.endsWith('\n') ? text.slice(0, -1) : text);
  }

  /** A FunctionCall's result value. */
  functionResult(body: Buffer, binary: boolean): void {
    if (this.cut || body.length < 4) return;
    const length = body.readInt32BE(0);
    this.add(
      length === -1 ? 'NULL' : renderValue(body.subarray(4, 4 + length), binary, this.remaining),
    );
  }

  commandTag(tag: string): void {
    this.add(tag);
  }

  private add(line: string): void {
    if (this.cut) return;
    const bytes = Buffer.byteLength(line) + (this.lines.length > 0 ? 1 : 0);
    if (this.size + bytes <= this.limit) {
      this.lines.push(line);
      this.size += bytes;
      return;
    }
    const room = this.limit - this.size - (this.lines.length > 0 ? 1 : 0);
    if (room > 0) this.lines.push(cutUtf8(line, room));
    this.size = this.limit;
    this.cut = true;
  }
}

/** The longest prefix of `text` that fits in `bytes` UTF-8 bytes, never splitting a character. */
function cutUtf8(text: string, bytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  let end = bytes;
  // Back up over continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return encoded.toString('utf8', 0, end);
}
