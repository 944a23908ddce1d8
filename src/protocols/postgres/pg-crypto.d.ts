// Type declarations for the parts of `pg` (node-postgres) the upstream authentication reuses:
// its SCRAM-SHA-256 client and its md5 password hash. `pg` ships these as untyped CommonJS.

declare module 'pg/lib/crypto/sasl.js' {
  interface SaslSession {
    mechanism: string;
    clientNonce: string;
    /** What to send next: the client-first message, then the client-final message. */
    response: string;
    message: string;
    serverSignature?: string;
  }
  const sasl: {
    /** `stream` enables channel binding (SCRAM-SHA-256-PLUS) when it is a TLS socket. */
    startSession(mechanisms: string[], stream?: unknown): SaslSession;
    continueSession(
      session: SaslSession,
      password: string,
      serverData: string,
      stream?: unknown,
    ): Promise<void>;
    /** Verifies the server's signature: throws when the server does not know the password. */
    finalizeSession(session: SaslSession, serverData: string): void;
  };
  export default sasl;
}

declare module 'pg/lib/crypto/utils.js' {
  const utils: {
    postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string>;
  };
  export default utils;
}
