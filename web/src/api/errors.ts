/** Client-side view of RFC 9457 problem+json errors returned by the Domus API. */

export interface FieldProblem {
  path: string;
  message: string;
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  errors?: FieldProblem[];
  /** A step-up challenge (STEP_UP_REQUIRED from the gateway, REAUTHENTICATION_REQUIRED from MFA). */
  stepUp?: StepUpChallenge;
}

export interface StepUpChallenge {
  /** 'password', 'totp', 'passkey' (or 'webauthn'), 'recovery_code'. */
  methods: string[];
  maxAgeSeconds: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly fieldProblems: FieldProblem[];
  readonly stepUp: StepUpChallenge | undefined;

  constructor(status: number, problem: ProblemBody) {
    const title = problem.title ?? defaultTitle(status);
    super(problem.detail ?? title);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? (status === 0 ? 'NETWORK_ERROR' : `HTTP_${status}`);
    this.title = title;
    this.detail = problem.detail;
    this.fieldProblems = problem.errors ?? [];
    this.stepUp = problem.stepUp;
  }

  /** A sentence a person can act on: the detail when the server gave one, else the title. */
  get userMessage(): string {
    return this.detail ?? this.title;
  }
}

function defaultTitle(status: number): string {
  if (status === 0) return 'Could not reach the server. Check your connection and try again.';
  if (status === 401) return 'Please log in to continue.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found.';
  if (status === 413) return 'The file is too large.';
  if (status === 429) return 'Too many requests. Please wait a moment and try again.';
  if (status >= 500) return 'The server had a problem. Please try again.';
  return `The request failed (HTTP ${status}).`;
}

function isFieldProblem(value: unknown): value is FieldProblem {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { path?: unknown }).path === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Reads whatever the server sent back into a ProblemBody, tolerating non-problem bodies. */
export function parseProblem(body: unknown): ProblemBody {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const problem: ProblemBody = {};
  if (typeof record.type === 'string') problem.type = record.type;
  if (typeof record.title === 'string') problem.title = record.title;
  if (typeof record.status === 'number') problem.status = record.status;
  if (typeof record.code === 'string') problem.code = record.code;
  if (typeof record.detail === 'string') problem.detail = record.detail;
  if (Array.isArray(record.errors)) problem.errors = record.errors.filter(isFieldProblem);
  const stepUp = record.stepUp as { methods?: unknown; maxAgeSeconds?: unknown } | undefined;
  if (stepUp && Array.isArray(stepUp.methods) && typeof stepUp.maxAgeSeconds === 'number') {
    problem.stepUp = { methods: stepUp.methods.filter((method): method is string => typeof method === 'string'), maxAgeSeconds: stepUp.maxAgeSeconds };
  }
  return problem;
}

/** Strips the request-part prefix some validators put in front of a field path. */
export function normalizeFieldPath(path: string): string {
  return path.replace(/^\/+/, '').replace(/\//g, '.').replace(/^(body|query|params)\./, '');
}

/**
 * Splits field problems into messages per known form field and the rest. A problem belongs to
 * a field when its path equals the field name or lies beneath it (`askingPrice.amountMinor`
 * belongs to `askingPrice`). `aliases` maps server paths to form field names.
 */
export function groupFieldProblems(
  problems: readonly FieldProblem[],
  fields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): { byField: Record<string, string>; unmatched: FieldProblem[] } {
  const byField: Record<string, string> = {};
  const unmatched: FieldProblem[] = [];
  for (const problem of problems) {
    const path = normalizeFieldPath(problem.path);
    const aliasKey = Object.keys(aliases)
      .filter((key) => path === key || path.startsWith(`${key}.`))
      .sort((a, b) => b.length - a.length)[0];
    const candidate = aliasKey !== undefined ? aliases[aliasKey] : undefined;
    const field =
      candidate ??
      fields
        .filter((name) => path === name || path.startsWith(`${name}.`) || path.startsWith(`${name}[`))
        .sort((a, b) => b.length - a.length)[0];
    if (field === undefined) {
      unmatched.push(problem);
    } else if (byField[field] === undefined) {
      byField[field] = problem.message;
    } else {
      byField[field] = `${byField[field]}; ${problem.message}`;
    }
  }
  return { byField, unmatched };
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof Error) return new ApiError(0, { detail: error.message, title: error.message });
  return new ApiError(0, {});
}
