// An answer can quote the request back (a proxy's error page, a debugging endpoint), and an
// outcome's reason is stored and shown: a sink cuts its own key or token out of what it quotes.
export function redact(text: string, secret: string): string {
  return secret === '' ? text : text.replaceAll(secret, '[redacted]');
}
