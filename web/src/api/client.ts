import { ApiError, parseProblem, type StepUpChallenge } from './errors';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue> | URLSearchParams;
  json?: unknown;
  formData?: FormData;
  signal?: AbortSignal;
  /** Extra request headers (e.g. the device signals sent at log-in). */
  headers?: Record<string, string>;
  /** Set on the retry after a step-up, so a request never loops through the prompt. */
  afterStepUp?: boolean;
}

/**
 * Who asks the person to step up when the gateway answers 401 STEP_UP_REQUIRED: by default the
 * MFA step-up prompt (loaded on first use; it imports this client, hence the lazy import). It
 * resolves true once the session passed a second factor, false when the person cancelled.
 */
type StepUpHandler = (challenge: StepUpChallenge) => Promise<boolean>;
let stepUpHandler: StepUpHandler = async (challenge) => (await import('../pages/security/StepUpPrompt')).requestStepUp(challenge);

export function setStepUpHandler(handler: StepUpHandler): void {
  stepUpHandler = handler;
}

export const apiBase = '/api/v1';

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const url = path.startsWith('/api/') || path.startsWith('http') ? path : `${apiBase}${path}`;
  if (!query) return url;
  const params = query instanceof URLSearchParams ? query : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === '') continue;
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  return search ? `${url}?${search}` : url;
}

/**
 * Sends one API request with the session cookie and turns any failure (network or HTTP) into
 * an ApiError carrying the problem+json details, so forms can show them per field.
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.formData) {
    body = options.formData;
  } else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: 'include',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, {});
  }
  if (response.status === 204) return undefined as T;
  const contentType = response.headers.get('content-type') ?? '';
  const isJson = contentType.includes('json');
  let payload: unknown = undefined;
  if (isJson) {
    try {
      payload = await response.json();
    } catch {
      payload = undefined;
    }
  }
  if (!response.ok) {
    const problem = parseProblem(payload);
    // The gateway wants a recent second factor: show the prompt, then send the request again once.
    if (response.status === 401 && problem.code === 'STEP_UP_REQUIRED' && problem.stepUp && !options.afterStepUp) {
      if (await stepUpHandler(problem.stepUp)) return request<T>(method, path, { ...options, afterStepUp: true });
    }
    throw new ApiError(response.status, problem);
  }
  return payload as T;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
