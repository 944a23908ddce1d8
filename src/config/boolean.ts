import { reportExpected, type Read } from './reader.js';

/** true or false; the strings "true" and "false" count, as an environment variable gives them. */
export const boolean: Read<boolean> = (value, path, context) => {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  reportExpected(context, path, 'true or false', value);
  return false;
};
