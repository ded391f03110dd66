import { defineErrors } from '../../../platform/errors';

/** Error codes of the devices, risk and abuse areas of the security module. */
export const riskErrors = defineErrors({
  LOGIN_LOCKED: { status: 423, title: 'Log-in is temporarily locked' },
  LOGIN_THROTTLED: { status: 429, title: 'Too many failed log-ins; wait before the next try' },
  LOGIN_DENIED: { status: 403, title: 'Log-in refused as too risky' },
  PASSWORD_TOO_COMMON: { status: 400, title: 'The password is too common or known from data breaches' },
  DEVICE_SIGNALS_INVALID: { status: 400, title: 'The device signals header is invalid' },
  DEVICE_NOT_FOUND: { status: 404, title: 'Device not found' },
  SESSION_NOT_FOUND: { status: 404, title: 'Session not found' },
  LOCKOUT_NOT_FOUND: { status: 404, title: 'No lock-out to lift' },
  RISK_POLICY_INVALID: { status: 400, title: 'The risk policy is inconsistent' },
  API_KEY_RATE_LIMITED: { status: 429, title: 'The API key exceeded its rate limit' },
});
