// Authenticating the gateway to the target with the connection's credential: SCRAM-SHA-256
// (pg's implementation, with the server's signature verified, and channel binding over TLS),
// md5 and cleartext. The credential is never logged and never reaches the client.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import sasl from 'pg/lib/crypto/sasl.js';
import pgCryptoUtils from 'pg/lib/crypto/utils.js';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import type { TargetAuthMethod } from '../../config/index.js';

export interface Credential {
  user: string;
  password: string | null;
  /** The methods the target may ask for; null: any. */
  requireAuth: TargetAuthMethod[] | null;
}

/** The method each authentication request asks for, by libpq's `require_auth` names. */
const requestedMethods: Record<string, TargetAuthMethod> = {
  authenticationOk: 'none',
  authenticationCleartextPassword: 'password',
  authenticationMD5Password: 'md5',
  authenticationSASL: 'scram-sha-256',
};

/** What the authentication exchange needs from the connection: send, and wait for the next message. */
export interface AuthenticationChannel {
  socket: Socket;
  next(): Promise<BackendMessage>;
}

/**
 * Answers the target's authentication request (`request`) and any follow-up until the target
 * accepts (AuthenticationOk). Throws an Error whose message names what failed, never the password.
 */
export async function authenticate(
  channel: AuthenticationChannel,
  request: BackendMessage,
  credential: Credential,
): Promise<void> {
  const method = requestedMethods[request.name];
  if (method !== undefined && credential.requireAuth && !credential.requireAuth.includes(method)) {
    throw new Error(
      `the target asked for ${method === 'none' ? 'no' : method} authentication, and the ` +
        `connection allows only ${credential.requireAuth.join(', ')} (target.requireAuth)`,
    );
  }
  switch (request.name) {
    case 'authenticationOk':
      return;
    case 'authenticationCleartextPassword':
      channel.socket.write(serialize.password(requirePassword(credential)));
      return expectOk(await channel.next());
    case 'authenticationMD5Password': {
      const { salt } = request as BackendMessage & { salt: Buffer };
      const hash = await pgCryptoUtils.postgresMd5PasswordHash(
        credential.user,
        requirePassword(credential),
        salt,
      );
      channel.socket.write(serialize.password(hash));
      return expectOk(await channel.next());
    }
    case 'authenticationSASL':
      return scram(
        channel,
        (request as BackendMessage & { mechanisms: string[] }).mechanisms,
        credential,
      );
    default:
      throw new Error(
        `the target asked for an authentication method Warden does not support (${request.name})`,
      );
  }
}

async function scram(
  channel: AuthenticationChannel,
  mechanisms: string[],
  credential: Credential,
): Promise<void> {
  const password = requirePassword(credential);
  // Over TLS, pg binds the exchange to the server's certificate (SCRAM-SHA-256-PLUS) when offered.
  const tlsStream = channel.socket instanceof TLSSocket ? channel.socket : undefined;
  const session = sasl.startSession(mechanisms, tlsStream);
  channel.socket.write(
    serialize.sendSASLInitialResponseMessage(session.mechanism, session.response),
  );

  const serverFirst = await channel.next();
  if (serverFirst.name !== 'authenticationSASLContinue') throw unexpected(serverFirst);
  await sasl.continueSession(
    session,
    password,
    (serverFirst as BackendMessage & { data: string }).data,
    tlsStream,
  );
  channel.socket.write(serialize.sendSCRAMClientFinalMessage(session.response));

  const serverFinal = await channel.next();
  if (serverFinal.name !== 'authenticationSASLFinal') throw unexpected(serverFinal);
  // Proves the target knows the password too: a server that merely accepts is not enough.
  sasl.finalizeSession(session, (serverFinal as BackendMessage & { data: string }).data);
  return expectOk(await channel.next());
}

function requirePassword(credential: Credential): string {
  if (credential.password === null || credential.password === '') {
    throw new Error('the target asks for a password, and the connection has none configured');
  }
  return credential.password;
}

function expectOk(message: BackendMessage): void {
  if (message.name !== 'authenticationOk') throw unexpected(message);
}

function unexpected(message: BackendMessage): Error {
  return new Error(`the target answered authentication with an unexpected ${message.name} message`);
}
