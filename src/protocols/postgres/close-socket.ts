import type { Socket } from 'node:net';

/** How long a closing socket may take to flush before it is destroyed. */
const closeGraceMs = 5_000;

/**
 * Ends a socket after `lastWords` (a final ErrorResponse or Terminate, if any) are flushed. A
 * peer that stopped reading must not keep the socket, and its buffer, forever.
 */
export function closeSocket(socket: Socket, lastWords: Buffer | null = null): void {
  if (socket.destroyed) return;
  if (lastWords) socket.end(lastWords);
  else socket.end();
  setTimeout(() => socket.destroy(), closeGraceMs).unref();
}
