import { reportExpected, type Read } from '../reader.js';

/**
 * An http(s) URL. Shown in messages without its query or credentials, which may hold a key.
 */
export const httpUrl: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && context.placeholders.has(path)) return value;
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') return value;
    } catch {
      // reported below
    }
  }
  const shown =
    typeof value === 'string' ? value.replace(/[?#].*$/, '').replace(/\/\/[^@/]*@/, '//') : value;
  reportExpected(context, path, 'an http:// or https:// URL', shown);
  return '';
};
