import { nonEmptyString, type Read } from './reader.js';

/**
 * A JavaScript regular expression compiled with `flags`; one that does not compile is refused
 * with the engine's reason.
 */
export function regularExpression(flags: string): Read<RegExp> {
  return (value, path, context) => {
    const source = nonEmptyString(value, path, context);
    try {
      return new RegExp(source, flags);
    } catch (error) {
      context.issues.add(path, (error as Error).message);
      return /(?!)/;
    }
  };
}
