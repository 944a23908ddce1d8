// What every outgoing HTTP client of Warden shares (the sinks, the identity-provider log
// collectors): backoff, Retry-After, TLS settings and how a network failure is described.
export { headerValue, readBody } from './answer-body.js';
export { retryDelay } from './backoff.js';
export { describeNetworkError } from './network-error.js';
export { retryAfterMs, type AnswerHeaders } from './retry-after.js';
export { tlsDispatcher, type TlsAgentOptions } from './tls-agent.js';
