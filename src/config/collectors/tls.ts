import { boolean } from '../boolean.js';
import { reportUnpairedCertificate } from '../client-certificate.js';
import type { CollectorTls } from '../collector-types.js';
import { readableFile } from '../readable-file.js';
import { Mapping, secretString, type Read } from '../reader.js';

const NO_TLS_SETTINGS: CollectorTls = {
  enabled: false,
  ca: null,
  cert: null,
  key: null,
  keyPassword: null,
  verifyCertificate: true,
  verifyHostname: true,
};

/**
 * A collector's `tls` mapping. Given, it is enabled unless it says `enabled: false`; its files are
 * checked either way, so that switching it on later cannot fail at start for a typo found now.
 */
export const readCollectorTls: Read<CollectorTls> = (value, path, context) => {
  if (value === undefined || value === null) return NO_TLS_SETTINGS;
  const tls = Mapping.read(value, path, context, [
    'enabled',
    'ca',
    'cert',
    'key',
    'keyPassword',
    'verifyCertificate',
    'verifyHostname',
  ]);
  const settings: CollectorTls = {
    enabled: tls.optional('enabled', boolean, true),
    ca: tls.optional('ca', readableFile, null),
    cert: tls.optional('cert', readableFile, null),
    key: tls.optional('key', readableFile, null),
    keyPassword: tls.optional('keyPassword', secretString, null),
    verifyCertificate: tls.optional('verifyCertificate', boolean, true),
    verifyHostname: tls.optional('verifyHostname', boolean, true),
  };
  reportUnpairedCertificate(tls, settings.cert, settings.key, context);
  if (settings.keyPassword !== null && settings.key === null)
    context.issues.add(tls.pathOf('keyPassword'), 'given without a key to decrypt');
  return settings;
};
