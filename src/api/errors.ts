import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuditQueryError } from '../audit/index.js';
import { UnknownCollectorError } from '../collectors/index.js';
import { UnknownSinkError } from '../export/index.js';
import type { Logger } from '../log/index.js';
import {
  ReviewConflictError,
  ReviewForbiddenError,
  ReviewNotFoundError,
} from '../reviews/index.js';

/** Every API error has one shape: `{ error: { code, message } }`. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/** The refusals of the modules behind the routes, with their own message: status and code. */
function refusal(error: unknown): [number, string] | null {
  if (
    error instanceof UnknownSinkError ||
    error instanceof UnknownCollectorError ||
    error instanceof ReviewNotFoundError
  )
    return [404, 'not_found'];
  if (error instanceof ReviewForbiddenError) return [403, 'forbidden'];
  if (error instanceof ReviewConflictError) return [409, 'conflict'];
  if (error instanceof AuditQueryError) return [400, 'invalid_request'];
  return null;
}

/**
 * Validation errors name the parameter and what was expected; a module's refusal (no such sink, a
 * review already decided …) is answered with its message; anything unexpected is logged and
 * answered with a generic message, so no stack trace or internal detail reaches a client.
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
    const refused = refusal(error);
    if (refused !== null) return sendError(reply, refused[0], refused[1], error.message);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'invalid_request', error.message);
    }
    logger.error({ err: error, url: request.url }, 'API request failed');
    return sendError(reply, 500, 'internal_error', 'the request could not be completed');
  };
}
