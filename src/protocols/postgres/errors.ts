// Errors the gateway itself reports to a PostgreSQL client, in the client's own protocol
// (an ErrorResponse with a SQLSTATE), worded for the person reading psql's output.

/** The SQLSTATE codes Warden answers with (PostgreSQL Appendix A). */
export const SqlState = {
  protocolViolation: '08P01',
  connectionFailure: '08006',
  invalidAuthorization: '28000',
  /** A guardrail or a review refused the statement. */
  insufficientPrivilege: '42501',
  invalidPassword: '28P01',
  unknownDatabase: '3D000',
  featureNotSupported: '0A000',
  systemError: '58000',
  programLimitExceeded: '54000',
  adminShutdown: '57P01',
  internalError: 'XX000',
} as const;

export type Severity = 'FATAL' | 'ERROR';

/**
 * An error meant for the client: its message is safe to show (no token, no target credential,
 * no stack trace). FATAL ends the connection; ERROR leaves the session usable.
 */
export class ClientFacingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly severity: Severity = 'FATAL',
  ) {
    super(message);
    this.name = 'ClientFacingError';
  }
}

/** The gateway is stopping: sessions and connections in startup end with this. */
export class GatewayShutdown extends ClientFacingError {
  constructor() {
    super(SqlState.adminShutdown, 'Warden is shutting down; this session ends');
    this.name = 'GatewayShutdown';
  }
}

/** The access token the session was opened with expired: the session ends. */
export class TokenExpired extends ClientFacingError {
  constructor() {
    super(SqlState.adminShutdown, 'Warden: the access token expired; reconnect with a new one');
    this.name = 'TokenExpired';
  }
}

/** The approved access request the session opened under ran out: the session ends. */
export class AccessExpired extends ClientFacingError {
  constructor() {
    super(
      SqlState.adminShutdown,
      'Warden: the approved access to this connection ran out; request access again',
    );
    this.name = 'AccessExpired';
  }
}

/** The client broke the wire protocol (a malformed or oversized message): the connection ends. */
export class ProtocolViolation extends ClientFacingError {
  constructor(message: string) {
    super(SqlState.protocolViolation, message);
    this.name = 'ProtocolViolation';
  }
}
