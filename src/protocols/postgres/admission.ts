// Who may open a session: the client's password is its access token. The token is verified
// first; only then is the database name looked up as a connection (so connection names cannot be
// enumerated without a valid token), and the identity's groups checked against it. Every refusal
// is recorded, and answered in the client's protocol; an address that keeps failing is refused
// before its token is read (identity/failed-logins.ts).
import type { EventAuthorization, EventDraft, EventSource } from '../../audit/event.js';
import type { ConnectionConfig } from '../../config/types.js';
import type { FailedLogins, Principal } from '../../identity/index.js';
import type { Logger } from '../../log/index.js';
import type { ReviewService } from '../../reviews/index.js';
import { authenticationCleartextPassword } from './backend-messages.js';
import type { ClientChannel } from './client-channel.js';
import { maxPasswordMessageLength } from './client-reader.js';
import { ClientFacingError, ProtocolViolation, SqlState } from './errors.js';
import { actorOf, authnFailure, authzDenied, postgresConnection } from './event-drafts.js';
import { decodePassword } from './frontend-messages.js';
import type { JournalAppender } from './recorder.js';

export type AuthorizationDecision =
  { allowed: true; grant: EventAuthorization } | { allowed: false; reason: string };

export interface AdmissionDependencies {
  connections: { get(name: string): ConnectionConfig | undefined };
  verifyToken(token: string): Promise<Principal>;
  failedLogins: FailedLogins;
  authorize(principal: Principal, connection: ConnectionConfig): AuthorizationDecision;
  journal: JournalAppender;
  logger: Logger;
  /** Access requests, for connections with `accessApproval`. */
  reviews: Pick<ReviewService, 'checkAccess'> | null;
  /** Where reviewers approve, named in the refusal (`reviews.approveUrl`). */
  approveUrl: string | null;
}

export interface Admission {
  principal: Principal;
  connection: ConnectionConfig;
  grant: EventAuthorization;
  /** When the approved access request the session opens under runs out (null: none needed). */
  accessUntil: Date | null;
}

export async function admit(
  channel: ClientChannel,
  connectionName: string,
  source: EventSource,
  dependencies: AdmissionDependencies,
): Promise<Admission> {
  const gate = dependencies.failedLogins.check(source.ip);
  if (!gate.open) {
    const message = `Warden: too many failed logins from ${source.ip}; try again in ${gate.retryAfterSeconds} s`;
    if (gate.firstRefusal) {
      await record(
        dependencies,
        authnFailure(source, connectionName, { code: SqlState.invalidPassword, message }),
      );
    }
    throw new ClientFacingError(SqlState.invalidPassword, message);
  }
  channel.reader.expectTypedMessages(maxPasswordMessageLength);
  channel.socket.write(authenticationCleartextPassword());
  const answer = await channel.next();
  if (answer.type !== 'p')
    throw new ProtocolViolation(`expected a password message, got message type "${answer.type}"`);
  const token = decodePassword(answer.body);

  let principal: Principal;
  try {
    principal = await dependencies.verifyToken(token);
  } catch (error) {
    dependencies.failedLogins.recordFailure(source.ip);
    const reason = (error as Error).message;
    await record(
      dependencies,
      authnFailure(source, connectionName, { code: SqlState.invalidPassword, message: reason }),
    );
    throw new ClientFacingError(SqlState.invalidPassword, `Warden: token rejected: ${reason}`);
  }

  const connection = dependencies.connections.get(connectionName);
  if (!connection) {
    const message = `Warden has no connection named "${connectionName}" (use the connection name as the database name)`;
    await record(
      dependencies,
      authzDenied(principal, source, connectionName, { code: SqlState.unknownDatabase, message }),
    );
    throw new ClientFacingError(SqlState.unknownDatabase, message);
  }

  const decision = dependencies.authorize(principal, connection);
  if (!decision.allowed) {
    const message = denialMessage(principal, connectionName, decision.reason);
    await record(
      dependencies,
      authzDenied(principal, source, connectionName, {
        code: SqlState.invalidAuthorization,
        message,
      }),
    );
    throw new ClientFacingError(SqlState.invalidAuthorization, message);
  }
  if (!connection.accessApproval)
    return { principal, connection, grant: decision.grant, accessUntil: null };
  return admitWithApproval(principal, connection, source, decision.grant, dependencies);
}

/**
 * Just-in-time access: the identity connects only under an approved access request. Without
 * one, a request is opened (or the open one named) and the connection refused, saying where to
 * approve it.
 */
async function admitWithApproval(
  principal: Principal,
  connection: ConnectionConfig,
  source: EventSource,
  grant: EventAuthorization,
  dependencies: AdmissionDependencies,
): Promise<Admission> {
  const rule = `${connection.name}.accessApproval`;
  let access;
  try {
    if (!dependencies.reviews) throw new Error('no review service');
    access = await dependencies.reviews.checkAccess({
      connection: postgresConnection(connection.name),
      policy: connection.accessApproval!,
      actor: actorOf(principal),
      source,
    });
  } catch (error) {
    dependencies.logger.error({ err: error, rule }, 'could not check or open an access request');
    throw new ClientFacingError(
      SqlState.systemError,
      `Warden: ${connection.name} needs an approved access request, and Warden could not check for one; try again`,
    );
  }
  if (access.granted) {
    return {
      principal,
      connection,
      grant: { ...grant, reviewId: access.reviewId },
      accessUntil: access.until,
    };
  }
  const where = dependencies.approveUrl
    ? `${dependencies.approveUrl.replace(/\/$/, '')}/api/v1/reviews/${access.reviewId}/approve or `
    : '';
  const message =
    `Warden: ${connection.name} needs approved access: request ${access.reviewId} ` +
    `${access.created ? 'was opened' : 'is still waiting'} for approval (open until ${access.expiresAt.toISOString()}). ` +
    `An approver decides with ${where}warden reviews approve ${access.reviewId}; then connect again`;
  await record(
    dependencies,
    authzDenied(
      principal,
      source,
      connection.name,
      { code: SqlState.invalidAuthorization, message },
      { rule, action: 'review', reviewId: access.reviewId, message: null },
    ),
  );
  throw new ClientFacingError(SqlState.invalidAuthorization, message);
}

/** Names the identity and the connection, without repeating a reason that already does. */
function denialMessage(principal: Principal, connectionName: string, reason: string): string {
  if (reason.includes(principal.name) && reason.includes(connectionName))
    return `Warden: ${reason}`;
  const identity =
    principal.name === principal.subject
      ? `"${principal.name}"`
      : `"${principal.name}" (${principal.subject})`;
  return `Warden: ${identity} may not use connection "${connectionName}": ${reason}`;
}

/** A refusal is answered whether or not the journal takes its record; a failure to record is logged. */
async function record(dependencies: AdmissionDependencies, draft: EventDraft): Promise<void> {
  try {
    await dependencies.journal.append(draft);
  } catch (error) {
    dependencies.logger.error(
      { err: error, type: draft.type },
      'could not record a refused connection',
    );
  }
}
