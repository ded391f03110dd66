import type { TestDomus } from '../../../../test/support/harness';

/** HTTP helpers for the devices, risk and abuse tests: browsers with their own cookie jars and addresses. */
export const password = 'a long enough password';

export interface Browser {
  ip: string;
  /** Cookies this browser holds (name → value). */
  jar: Map<string, string>;
  userAgent: string;
}

export function browser(ip: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'): Browser {
  return { ip, jar: new Map(), userAgent };
}

export function cookieHeader(browser: Browser): string {
  return [...browser.jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

export async function send(
  domus: TestDomus,
  from: Browser,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await domus.app.inject({
    method,
    url: `/api/v1${url}`,
    remoteAddress: from.ip,
    headers: { 'user-agent': from.userAgent, ...(from.jar.size > 0 ? { cookie: cookieHeader(from) } : {}), ...headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  for (const cookie of response.cookies) {
    if (cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now() - 365 * 86_400_000)) from.jar.delete(cookie.name);
    else from.jar.set(cookie.name, cookie.value);
  }
  return response;
}

let counter = 0;
export async function signUpFrom(domus: TestDomus, from: Browser, name = 'Risk Tester') {
  counter += 1;
  const email = `risk${counter}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const response = await send(domus, from, 'POST', '/auth/signup', { email, password, displayName: name });
  if (response.statusCode !== 201) throw new Error(`sign-up failed: ${response.statusCode} ${response.body}`);
  return { id: response.json().user.id as string, email };
}

export function logIn(domus: TestDomus, from: Browser, email: string, secret = password, headers: Record<string, string> = {}) {
  return send(domus, from, 'POST', '/auth/login', { email, password: secret }, headers);
}

export async function auditActions(domus: TestDomus, prefix = 'security.'): Promise<string[]> {
  const actions: string[] = [];
  for await (const entry of domus.platform.audit.entries()) if (entry.action.startsWith(prefix)) actions.push(entry.action);
  return actions;
}

/** Public addresses and where DB-IP Lite puts them. */
export const places = {
  amsterdam: '145.100.1.1',
  london: '81.2.69.142',
  paris: '217.70.184.38',
  sydney: '1.1.1.1',
  mountainView: '8.8.8.8',
} as const;
