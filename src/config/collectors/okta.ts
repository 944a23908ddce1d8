import type { OktaCollectorConfig, OktaOAuth } from '../collector-types.js';
import { httpUrl } from '../sinks/http-url.js';
import { credential } from '../sinks/credential.js';
import { readableFile } from '../readable-file.js';
import {
  listOf,
  Mapping,
  nonEmptyString,
  reportExpected,
  secretString,
  type Read,
  type ReadContext,
} from '../reader.js';

export const OKTA_KEYS = ['domain', 'url', 'auth'] as const;

/** An org's host name: company.okta.com, dev-123456.okta.com, company.oktapreview.com … */
const oktaDomain: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    context.issues.add(
      path,
      `expected the domain without a scheme (e.g. company.okta.com), got ${JSON.stringify(value)}: ` +
        'remove the https://',
    );
    return '';
  }
  if (
    typeof value === 'string' &&
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(value)
  ) {
    return value.toLowerCase();
  }
  reportExpected(context, path, 'a domain such as company.okta.com', value);
  return '';
};

/** An HTTP header name (RFC 9110 token). */
const headerName: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) return value;
  reportExpected(context, path, 'an HTTP header name such as Authorization', value);
  return 'Authorization';
};

const readOAuth: Read<OktaOAuth> = (value, path, context) => {
  const oauth = Mapping.read(value, path, context, ['clientId', 'privateKey', 'keyId', 'scopes']);
  return {
    clientId: oauth.required('clientId', nonEmptyString),
    privateKey: oauth.required('privateKey', readableFile),
    keyId: oauth.optional('keyId', nonEmptyString, null),
    scopes: oauth.optional('scopes', listOf(nonEmptyString), ['okta.logs.read']),
  };
};

export function readOktaCollector(
  entry: Mapping,
  context: ReadContext,
): Pick<OktaCollectorConfig, 'type' | 'domain' | 'url' | 'auth'> {
  const auth = entry.section('auth', (value, path) => {
    const mapping = Mapping.read(value, path, context, ['token', 'header', 'prefix', 'oauth']);
    const token = mapping.optional('token', credential, null);
    const oauth = mapping.optional('oauth', readOAuth, null);
    if (token === null && oauth === null && !mapping.given('token'))
      context.issues.add(path, 'expected token (an API token) or oauth (a service app)');
    if (token !== null && oauth !== null)
      context.issues.add(mapping.pathOf('oauth'), 'give token or oauth, not both');
    return {
      token,
      // The prefix's trailing space is part of it (`SSWS `): read as given, never trimmed.
      header: mapping.optional('header', headerName, 'Authorization'),
      prefix: mapping.optional('prefix', secretString, 'SSWS '),
      oauth,
    };
  });
  return {
    type: 'okta',
    domain: entry.required('domain', oktaDomain),
    url: entry.optional('url', httpUrl, null),
    auth,
  };
}
