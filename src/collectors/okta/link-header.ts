import type { AnswerHeaders } from '../../http/index.js';

/**
 * The URL of the `Link` relation `rel`. Okta sends each link as a header line of its own (which
 * Node joins with ", "); a single comma-joined header reads the same.
 */
export function linkOf(headers: AnswerHeaders, rel: string): string | null {
  const raw = headers.link;
  const lines = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  for (const line of lines) {
    for (const match of line.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
      const params = match[2] ?? '';
      const rels = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(params)?.[1]?.split(/\s+/) ?? [];
      if (rels.includes(rel)) return match[1] ?? null;
    }
  }
  return null;
}
