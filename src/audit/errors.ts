/**
 * The journal could not record an event. Write-ahead audit fails closed: whoever asked for the
 * event must not perform the action it describes.
 */
export class JournalWriteError extends Error {
  override name = 'JournalWriteError';
}

/** A reader was asked something malformed; `field` names the offending filter. */
export class AuditQueryError extends Error {
  override name = 'AuditQueryError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
