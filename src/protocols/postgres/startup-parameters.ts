// What the client's startup parameters mean to the gateway: `user` is informational (identity
// comes from the token), `database` names the connection, and only settings that cannot widen
// the session's rights are passed on to the target.
import { ClientFacingError, SqlState } from './errors.js';

/**
 * Passed on to the target. Anything else is dropped: `user` and `database` are the connection's,
 * `replication` would change the protocol, and `options` could set any server setting.
 */
const forwardedParameters = new Set(
  [
    'application_name',
    'client_encoding',
    'DateStyle',
    'TimeZone',
    'extra_float_digits',
    'IntervalStyle',
    'search_path',
    'bytea_output',
    'statement_timeout',
    'lock_timeout',
    'idle_in_transaction_session_timeout',
    'default_transaction_isolation',
    'default_transaction_read_only',
    'standard_conforming_strings',
  ].map((name) => name.toLowerCase()),
);

export interface StartupRequest {
  /** The user name the client sent: recorded, never used to decide anything. */
  user: string;
  /** The database name, which is the connection's name (PostgreSQL's default: the user name). */
  connectionName: string;
  applicationName: string | null;
  /** The parameters the target receives. */
  forwarded: Map<string, string>;
}

export function interpretStartupParameters(parameters: Map<string, string>): StartupRequest {
  const replication = parameters.get('replication');
  if (
    replication !== undefined &&
    !['false', 'off', 'no', '0'].includes(replication.toLowerCase())
  ) {
    throw new ClientFacingError(
      SqlState.featureNotSupported,
      'Warden does not proxy replication connections',
    );
  }
  const user = parameters.get('user');
  if (!user) {
    throw new ClientFacingError(
      SqlState.invalidAuthorization,
      'no user name was given in the startup packet',
    );
  }
  return {
    user,
    connectionName: parameters.get('database') || user,
    applicationName: parameters.get('application_name') || null,
    forwarded: new Map(
      [...parameters].filter(([name]) => forwardedParameters.has(name.toLowerCase())),
    ),
  };
}
