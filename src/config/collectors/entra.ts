import {
  ENTRA_LOGS,
  type EntraCertificate,
  type EntraCollectorConfig,
} from '../collector-types.js';
import { duration } from '../duration.js';
import { credential } from '../sinks/credential.js';
import { httpUrl } from '../sinks/http-url.js';
import { readableFile } from '../readable-file.js';
import {
  Mapping,
  nonEmptyListOf,
  oneOf,
  secretString,
  stringMatching,
  type Read,
  type ReadContext,
} from '../reader.js';

export const ENTRA_KEYS = [
  'tenantId',
  'clientId',
  'clientSecret',
  'certificate',
  'logs',
  'lookback',
  'url',
  'loginUrl',
] as const;

/** A tenant is named by its id (a GUID) or one of its domains (contoso.onmicrosoft.com). */
const tenantId = stringMatching(
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|([a-z0-9-]+\.)+[a-z]{2,63})$/i,
  'a tenant id (a GUID) or domain (contoso.onmicrosoft.com)',
);

const applicationId = stringMatching(
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'an application (client) id, a GUID',
);

const readCertificate: Read<EntraCertificate> = (value, path, context) => {
  const certificate = Mapping.read(value, path, context, ['cert', 'key', 'keyPassword']);
  return {
    cert: certificate.required('cert', readableFile),
    key: certificate.required('key', readableFile),
    keyPassword: certificate.optional('keyPassword', secretString, null),
  };
};

export function readEntraCollector(
  entry: Mapping,
  context: ReadContext,
): Omit<EntraCollectorConfig, 'name' | 'intervalSeconds' | 'startFrom' | 'tls'> {
  const clientSecret = entry.optional('clientSecret', credential, null);
  const certificate = entry.optional('certificate', readCertificate, null);
  if (clientSecret === null && certificate === null && !entry.given('clientSecret'))
    context.issues.add(
      entry.pathOf('clientSecret'),
      'required (or certificate): the app registration authenticates with one of them',
    );
  if (clientSecret !== null && certificate !== null)
    context.issues.add(entry.pathOf('certificate'), 'give clientSecret or certificate, not both');
  return {
    type: 'entra',
    tenantId: entry.required('tenantId', tenantId),
    clientId: entry.required('clientId', applicationId),
    clientSecret,
    certificate,
    logs: entry.optional(
      'logs',
      nonEmptyListOf(oneOf(ENTRA_LOGS), `a list of ${ENTRA_LOGS.join(', ')}`),
      [...ENTRA_LOGS],
    ),
    lookbackMs: entry.optional('lookback', duration(0, 86_400_000, 'from 0s to 24h'), 1_800_000),
    url: entry.optional('url', httpUrl, null),
    loginUrl: entry.optional('loginUrl', httpUrl, null),
  };
}
