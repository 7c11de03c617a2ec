import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { InvalidInputError } from '@sluice/client';
import { CatalogCode, CatalogError, issueError } from '@sluice/catalog';

/** Errors of the API itself, beside the catalog's: same {code, title, message} shape, HTTP status attached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const unauthorized = (message: string) => new ApiError(401, 'SLC-0401', 'Unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'SLC-0403', 'Forbidden', message);
export const jobNotFound = (id: string) => new ApiError(404, CatalogCode.NOT_FOUND, 'Entity Not Found', `No job with id '${id}'. List jobs to find the right one.`, 'id');

interface Problem {
  status: number;
  code: string;
  title: string;
  message: string;
  field?: string;
}

/** Sorts any error into status, code, title and a message safe to return (no stack, no secret). */
function problemOf(err: unknown, request: FastifyRequest): Problem {
  if (err instanceof ApiError) return { status: err.status, code: err.code, title: err.title, message: err.message, field: err.field };
  if (err instanceof CatalogError) return { status: err.status, code: err.code, title: err.title, message: err.message, field: err.field };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const v = err.validation[0]!;
    const path = v.instancePath.split('/').filter(Boolean);
    // A malformed id in the path is Lerian's "Invalid Path Parameter".
    if ((err as FastifyError).validationContext === 'params') {
      const field = path.join('.') || 'id';
      return { status: 400, code: CatalogCode.INVALID_ID, title: 'Invalid Path Parameter', message: `Path parameter '${field}' is in an incorrect format (${v.message}). Check it and try again.`, field };
    }
    // The value the issue is about, read from the request itself (zod does not always report it).
    const source = ({ body: request.body, querystring: request.query, headers: request.headers } as Record<string, unknown>)[(err as FastifyError).validationContext ?? 'body'];
    const input = path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), source);
    const catalogError = issueError({ ...(v.params as object), code: v.keyword, path, message: v.message, input } as never);
    return { status: 400, code: catalogError.code, title: catalogError.title, message: catalogError.message, field: catalogError.field };
  }
  // The client's own checks at the door (a connection config its connector refuses, a cron, a time zone): the field it names.
  if (err instanceof InvalidInputError) return { status: 400, code: CatalogCode.INVALID_FIELD, title: 'Invalid Field', message: err.message, field: err.field };
  if (err instanceof ScheduleAlreadyRunning) return { status: 409, code: CatalogCode.CONFLICT, title: 'Conflict', message: `A schedule with id '${err.scheduleId}' already exists. Choose another id.`, field: 'id' };
  if (err instanceof ScheduleNotFoundError) return { status: 404, code: CatalogCode.NOT_FOUND, title: 'Entity Not Found', message: `No schedule with id '${err.scheduleId}'. List schedules to find the right one.`, field: 'id' };
  if (err instanceof WorkflowNotFoundError) {
    const id = (request.params as { jobId?: string; id?: string } | undefined)?.jobId ?? (request.params as { id?: string } | undefined)?.id ?? '';
    return { status: 404, code: CatalogCode.NOT_FOUND, title: 'Entity Not Found', message: `No job with id '${id}'. List jobs to find the right one.`, field: 'id' };
  }
  const fe = err as FastifyError;
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: `SLC-0${fe.statusCode}`, title: STATUS_CODES[fe.statusCode] ?? 'Bad Request', message: fe.message };
  }
  return { status: 500, code: 'SLC-0500', title: 'Internal Server Error', message: 'The server failed to answer this request; it is logged.' };
}

/** Each seed group answers errors in its own shape: Collibra's StandardErrorResponse under /rest, {code, title, message} elsewhere. */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const p = problemOf(err, request);
  if (p.status >= 500) request.log.error({ err }, 'request failed');
  if (p.status === 401) reply.header('www-authenticate', 'Bearer realm="sluice"');
  if (request.url.startsWith('/rest/')) {
    return reply.code(p.status).send({ statusCode: p.status, titleMessage: p.title, userMessage: p.message, errorCode: p.code, ...(p.field ? { helpMessage: `Field: ${p.field}` } : {}) });
  }
  return reply.code(p.status).send({ code: p.code, title: p.title, message: p.message, ...(p.field ? { field: p.field } : {}) });
}
