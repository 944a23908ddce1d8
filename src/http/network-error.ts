/** A network failure in a few words: the error code and message, without the stack. */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = (error as { code?: string }).code ?? cause?.code;
  const message = (error as Error).message ?? String(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
