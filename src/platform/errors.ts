/**
 * One error type with a stable code, a registry of every code, and one place (http.ts) that
 * maps them to RFC 9457 problem+json responses (DESIGN.md §4.2).
 */
export interface ErrorDefinition {
  status: number;
  title: string;
}

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `askingPrice.amountMinor` or `query.bbox`. */
  path: string;
  message: string;
}

const registry = new Map<string, ErrorDefinition>();

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: string,
    detail: string,
    readonly errors: FieldProblem[] = [],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    const definition = registry.get(code);
    if (!definition) throw new Error(`Unregistered error code ${code}`);
    this.name = 'AppError';
    this.status = definition.status;
    this.title = definition.title;
  }
}

/**
 * Registers a module's error codes and returns a typed factory per code:
 * `const errors = defineErrors({ LISTING_NOT_FOUND: { status: 404, title: 'Listing not found' } })`
 * then `throw errors.LISTING_NOT_FOUND('No listing with id ...')`.
 */
export function defineErrors<const T extends Record<string, ErrorDefinition>>(
  definitions: T,
): { [K in keyof T]: (detail: string, errors?: FieldProblem[], extensions?: Record<string, unknown>) => AppError } {
  const factories: Record<string, (detail: string, errors?: FieldProblem[], extensions?: Record<string, unknown>) => AppError> = {};
  for (const [code, definition] of Object.entries(definitions)) {
    const existing = registry.get(code);
    if (existing && (existing.status !== definition.status || existing.title !== definition.title)) {
      throw new Error(`Error code ${code} registered twice with different meanings`);
    }
    registry.set(code, definition);
    factories[code] = (detail, errors = [], extensions = {}) => new AppError(code, detail, errors, extensions);
  }
  return factories as { [K in keyof T]: (detail: string, errors?: FieldProblem[], extensions?: Record<string, unknown>) => AppError };
}

export function registeredErrorCodes(): ReadonlyMap<string, ErrorDefinition> {
  return registry;
}

export const platformErrors = defineErrors({
  VALIDATION_FAILED: { status: 400, title: 'The request is invalid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  INVALID_CURSOR: { status: 400, title: 'The pagination cursor is invalid' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONFLICT: { status: 409, title: 'Conflict' },
  VERSION_CONFLICT: { status: 409, title: 'The resource was changed by someone else' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The idempotency key was used with a different request' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  INTERNAL_ERROR: { status: 500, title: 'Internal server error' },
});

export const problemTypeBase = 'https://domus.dev/problems/';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export function toProblem(error: AppError, instance?: string): ProblemDocument {
  return {
    type: problemTypeBase + error.code.toLowerCase().replaceAll('_', '-'),
    title: error.title,
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    ...error.extensions,
  };
}
