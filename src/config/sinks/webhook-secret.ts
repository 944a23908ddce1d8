import { secretString, type Read } from '../reader.js';

/** A Standard Webhooks signing secret, `whsec_` + base64 (webhook sinks, notification channels). */
export const webhookSecret: Read<string> = (value, path, context) => {
  const secret = secretString(value, path, context);
  if (context.placeholders.has(path)) return secret;
  if (secret !== '' && !/^whsec_[A-Za-z0-9+/]+=*$/.test(secret)) {
    context.issues.add(path, 'expected whsec_ followed by base64 (value not shown)');
  }
  return secret;
};
