// What every outgoing HTTP client of Warden shares (the sinks, the identity-provider log
// collectors, the notification channels): one POST, backoff, Retry-After, Standard Webhooks
// signing, TLS settings and how a network failure is described.
export { answerDetail, headerValue, readBody } from './answer-body.js';
export { retryDelay } from './backoff.js';
export { describeNetworkError } from './network-error.js';
export { postOnce, type HttpAnswer, type NoAnswer, type PostRequest } from './post.js';
export { retryAfterMs, type AnswerHeaders } from './retry-after.js';
export { webhookSigner, type WebhookSigner } from './standard-webhooks.js';
export { tlsDispatcher, type TlsAgentOptions } from './tls-agent.js';
