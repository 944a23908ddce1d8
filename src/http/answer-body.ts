import type { AnswerHeaders } from './retry-after.js';

/**
 * An answer's body as text, at most `maxBytes`: beyond it, `truncate` keeps the first `maxBytes`
 * (enough for an error message) and `fail` stops reading and throws (a body that must be whole).
 */
export async function readBody(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
  overflow: 'truncate' | 'fail',
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > maxBytes && overflow === 'fail') {
      body.destroy();
      throw new Error(`the answer is larger than ${maxBytes} bytes`);
    }
    if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A header's value, the first of several. */
export function headerValue(headers: AnswerHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An answer's body as a short detail for an error message: `: <text>`, or nothing when empty. */
export function answerDetail(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}
