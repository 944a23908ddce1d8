import { reportExpected, type Read } from './reader.js';

/**
 * A reference by name to an entry configured elsewhere in the file (a connection, a notification
 * channel): a misspelt one would silently never apply, so it is refused.
 */
export function configuredName(names: readonly string[], what: string): Read<string> {
  return (value, path, context) => {
    if (typeof value === 'string' && names.includes(value)) return value;
    if (typeof value !== 'string' || value.trim() === '') {
      reportExpected(context, path, `the name of a ${what}`, value);
    } else {
      const configured = names.filter((name) => name !== '').join(', ') || 'none';
      context.issues.add(path, `no ${what} named "${value}"; configured: ${configured}`);
    }
    return '';
  };
}
