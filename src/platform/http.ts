import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import helmet, { type HelmetOptions } from 'helmet';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from './config';
import { AppError, platformErrors, toProblem, type FieldProblem } from './errors';
import { newId } from './ids';
import type { Logger } from './logger';
import { createHttpMetrics, type HttpMetrics } from './metrics';

export type HttpServer = FastifyInstance;

/** Who is calling: resolved once per request by the identity module's authenticator. */
export interface AuthContext {
  userId: string | null;
  sessionId: string | null;
  /** When this session last passed a second factor (log-in MFA, passkey or step-up); null if never. */
  mfaVerifiedAt?: Date | null;
  /** The device (security module) the session is bound to; null or absent when unbound. */
  deviceId?: string | null;
  /** Set when the caller is a machine using an organization API key. */
  apiKey: { id: string; organizationId: string; scopes: string[] } | null;
  /** Set when the caller is another service presenting a signed service token (platform/service-token.ts). */
  service?: { name: string; scopes: string[]; tokenId: string } | null;
}

export type Authenticator = (request: FastifyRequest, reply: FastifyReply) => Promise<AuthContext | null>;

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

const requestIdPattern = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Request ids: a random per-process prefix plus a counter. Unique across nodes (the prefix is 64
 * random bits) and far cheaper than drawing 16 random bytes per request.
 */
const requestIdPrefix = newId().slice(-12);
let requestCounter = 0;
function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${requestIdPrefix}-${requestCounter.toString(36).padStart(6, '0')}`;
}

/** Runs helmet once against a recording response and returns the headers it would set. */
function captureHelmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

export interface HttpServerOptions {
  config: Config;
  logger: Logger;
  /** Extra rules for the helmet Content-Security-Policy (e.g. the map tile host). */
  imageSources?: string[];
  /** Shares rate-limit counters across nodes; in-memory per node when absent. */
  rateLimitRedis?: Redis;
  rateLimitNamespace?: string;
}

/**
 * Builds the Fastify instance with everything every module relies on: zod validation and
 * serialisation, OpenAPI generation, problem+json errors, request ids, security headers, CORS,
 * cookies, multipart uploads, rate limiting and Prometheus metrics.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<{ app: HttpServer; metrics: HttpMetrics }> {
  const { config, logger } = options;
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: (request) => {
      const supplied = request.headers['x-request-id'];
      return typeof supplied === 'string' && requestIdPattern.test(supplied) ? supplied : nextRequestId();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: undefined,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('auth', null);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const metrics = createHttpMetrics();
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  // Security headers from helmet, computed ONCE: @fastify/helmet rebuilds the helmet middleware
  // on every request (about a fifth of a trivial request's cost). Our headers use no per-request
  // nonces, so they are static and can be captured at boot and replayed.
  const securityHeaders = captureHelmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(options.imageSources ?? [])],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: config.PUBLIC_URL.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(fastifyCors, {
    // Same-origin by default; cross-origin callers must be listed in CORS_ORIGINS.
    origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['x-request-id', 'retry-after'],
  });
  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, {
    limits: { fileSize: config.UPLOAD_LIMIT_BYTES, files: 1, fields: 10, parts: 12, headerPairs: 100 },
    throwFileSizeLimit: true,
  });
  await app.register(fastifyRateLimit, {
    global: false,
    ...(options.rateLimitRedis
      ? { redis: options.rateLimitRedis, nameSpace: options.rateLimitNamespace ?? 'domus:rate-limit:', skipOnError: false }
      : {}),
    errorResponseBuilder: (_request, context) => {
      const error = platformErrors.RATE_LIMITED(
        `Too many requests: at most ${context.max} per ${context.after}. Try again in ${Math.ceil(context.ttl / 1000)} s.`,
      );
      return Object.assign(error, { statusCode: 429 });
    },
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Domus API',
        version: '1.0.0',
        description:
          'Domus property platform. Errors are RFC 9457 problem+json documents with a stable `code`. ' +
          'Lists answer `{ items, nextCursor }`.',
      },
      servers: [{ url: config.PUBLIC_URL }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'domus_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'Organization API key (dk_...)' },
          serviceToken: { type: 'http', scheme: 'bearer', description: 'Signed short-lived service token (dst_...; npm run domus -- service-token)' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error, request);
    if (appError.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ code: appError.code, status: appError.status }, appError.message);
    }
    if (appError.status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
    return reply
      .code(appError.status)
      .type('application/problem+json')
      .serializer(JSON.stringify)
      .send(toProblem(appError, request.url));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = platformErrors.NOT_FOUND(`No route ${request.method} ${request.url.split('?')[0]}.`);
    return reply.code(404).type('application/problem+json').send(toProblem(error, request.url));
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    // With METRICS_TOKEN set, only a scraper that presents it may read the metrics.
    if (config.METRICS_TOKEN && request.headers.authorization !== `Bearer ${config.METRICS_TOKEN}`) {
      throw platformErrors.UNAUTHENTICATED('Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".');
    }
    reply.type(metrics.contentType);
    return metrics.render();
  });

  return { app: app as unknown as HttpServer, metrics };
}

const fastifyCodeMap: Record<string, (error: FastifyError) => AppError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => platformErrors.MALFORMED_JSON('The body is not valid JSON.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    platformErrors.MALFORMED_JSON("The body is empty but Content-Type is 'application/json'; send a JSON document."),
  FST_ERR_CTP_BODY_TOO_LARGE: (error) => platformErrors.PAYLOAD_TOO_LARGE(error.message),
  FST_REQ_FILE_TOO_LARGE: () => platformErrors.PAYLOAD_TOO_LARGE('The uploaded file is larger than the allowed size.'),
  FST_PARTS_LIMIT: () => platformErrors.PAYLOAD_TOO_LARGE('Too many parts in the multipart request.'),
  FST_FILES_LIMIT: () => platformErrors.PAYLOAD_TOO_LARGE('Upload one file per request.'),
  FST_INVALID_MULTIPART_CONTENT_TYPE: () =>
    platformErrors.UNSUPPORTED_MEDIA_TYPE('Send the upload as multipart/form-data.'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (error) =>
    platformErrors.UNSUPPORTED_MEDIA_TYPE(`${error.message}. Send application/json.`),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => platformErrors.VALIDATION_FAILED('Content-Length does not match the body.'),
};

function toAppError(error: FastifyError, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const location = error.validationContext ?? 'body';
    const problems: FieldProblem[] = [];
    for (const issue of error.validation) {
      const base = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      const params = issue.params as { keys?: string[] };
      if (issue.keyword === 'unrecognized_keys' && Array.isArray(params.keys)) {
        for (const key of params.keys) {
          problems.push({ path: joinPath(location, base, key), message: 'is not a known field; remove it' });
        }
      } else {
        problems.push({ path: joinPath(location, base), message: issue.message ?? "is invalid" });
      }
    }
    const summary = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    return platformErrors.VALIDATION_FAILED(`Fix these fields: ${summary}`, problems);
  }
  if (isResponseSerializationError(error)) {
    return platformErrors.INTERNAL_ERROR('The server produced an invalid response.');
  }
  const mapped = error.code ? fastifyCodeMap[error.code] : undefined;
  if (mapped) return mapped(error);
  if (error.statusCode === 429) return platformErrors.RATE_LIMITED(error.message);
  if (error.statusCode === 413) return platformErrors.PAYLOAD_TOO_LARGE(error.message);
  if (error.statusCode === 415) return platformErrors.UNSUPPORTED_MEDIA_TYPE(error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    request.log.debug({ err: error }, 'client error from fastify');
    return platformErrors.VALIDATION_FAILED(error.message);
  }
  return platformErrors.INTERNAL_ERROR(`An unexpected error occurred; quote request id ${request.id} to support.`);
}

function joinPath(location: string, ...parts: string[]): string {
  const prefix = location === 'body' ? '' : `${location === 'querystring' ? 'query' : location}.`;
  const joined = parts.filter((part) => part.length > 0).join('.');
  return joined ? prefix + joined : location === 'querystring' ? 'query' : location;
}

/** `{ items, nextCursor }`: the one shape every list endpoint answers. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details');

/** The standard error responses to list in a route's schema for OpenAPI. */
export function problemResponses(...statuses: number[]): Record<number, typeof problemSchema> {
  return Object.fromEntries(statuses.map((status) => [status, problemSchema]));
}
