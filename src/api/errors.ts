import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuditQueryError } from '../audit/index.js';
import type { Logger } from '../log/index.js';

/** Every API error has one shape: `{ error: { code, message } }`. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/**
 * Validation errors name the parameter and what was expected; anything unexpected is logged
 * and answered with a generic message, so no stack trace or internal detail reaches a client.
 */
export function createErrorHandler(logger: Logger) {
  return function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const details = error.validation
        .map((issue) => {
          const params = issue.params as { missingProperty?: string; additionalProperty?: string };
          if (params.additionalProperty) {
            return `${where}.${params.additionalProperty}: unknown parameter`;
          }
          const field =
            issue.instancePath.replace(/^\//, '').replace(/\//g, '.') ||
            (params.missingProperty ?? '');
          return `${where}${field ? `.${field}` : ''}: ${issue.message ?? 'is invalid'}`;
        })
        .join('; ');
      return sendError(reply, 400, 'invalid_request', details);
    }
    if (error instanceof AuditQueryError) {
      return sendError(reply, 400, 'invalid_request', error.message);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'invalid_request', error.message);
    }
    logger.error({ err: error, url: request.url }, 'API request failed');
    return sendError(reply, 500, 'internal_error', 'the request could not be completed');
  };
}
