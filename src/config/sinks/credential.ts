import { secretString, type Read } from '../reader.js';

/** A key or token a destination checks (Datadog's API key, a Splunk HEC token): never shown. */
export const credential: Read<string> = (value, path, context) => {
  const secret = secretString(value, path, context);
  if (typeof value === 'string' && secret.trim() === '') {
    context.issues.add(path, 'expected a non-empty string (value not shown)');
  }
  return secret;
};
