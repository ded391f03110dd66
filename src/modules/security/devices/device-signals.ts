import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { riskErrors } from '../risk/risk.errors';

export const deviceSignalsHeader = 'x-domus-device';

/** What the web app reports about its browser (navigator/screen/Intl), all optional. */
const signalsSchema = z
  .object({
    platform: z.string().max(100).optional(),
    screen: z.string().regex(/^\d{2,5}x\d{2,5}(@\d(\.\d+)?x)?$/, 'must look like 1920x1080 or 1920x1080@2x').optional(),
    timezone: z.string().regex(/^[A-Za-z_+\-/0-9]{1,64}$/, 'must be an IANA time zone such as Europe/Amsterdam').optional(),
    language: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag such as nl-NL').optional(),
  })
  .strict();

export interface DeviceSignals {
  userAgent: string | null;
  platform: string | null;
  screen: string | null;
  timezone: string | null;
  language: string | null;
}

/** Reads the user agent and the `X-Domus-Device` JSON header; a malformed header is a 400. */
export function readSignals(request: FastifyRequest): DeviceSignals {
  const userAgent = request.headers['user-agent']?.slice(0, 400) ?? null;
  const header = request.headers[deviceSignalsHeader];
  const base = { userAgent, platform: null, screen: null, timezone: null, language: null };
  if (header === undefined) return base;
  const text = Array.isArray(header) ? header[0] ?? '' : header;
  if (text.length > 1024) throw riskErrors.DEVICE_SIGNALS_INVALID(`The ${deviceSignalsHeader} header is longer than 1024 characters.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw riskErrors.DEVICE_SIGNALS_INVALID(`The ${deviceSignalsHeader} header must be a JSON object such as {"platform":"MacIntel","screen":"1440x900","timezone":"Europe/Amsterdam","language":"nl-NL"}.`);
  }
  const result = signalsSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({ path: `header.${deviceSignalsHeader}.${issue.path.join('.')}`, message: issue.message }));
    throw riskErrors.DEVICE_SIGNALS_INVALID(`Fix the ${deviceSignalsHeader} header: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  }
  return { ...base, platform: result.data.platform ?? null, screen: result.data.screen ?? null, timezone: result.data.timezone ?? null, language: result.data.language ?? null };
}

/**
 * "Firefox on Linux" from a user agent: enough to tell a person's devices apart in a list. Hand
 * written because the label is all we need; full parsers (ua-parser-js) are AGPL or heavy.
 */
export function deviceLabel(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const ua = userAgent;
  const browser =
    /Edg\//.test(ua) ? 'Edge'
    : /OPR\/|Opera/.test(ua) ? 'Opera'
    : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrome\/|CriOS\//.test(ua) ? 'Chrome'
    : /Safari\//.test(ua) && /Version\//.test(ua) ? 'Safari'
    : /curl\//i.test(ua) ? 'curl'
    : /node|undici|lightMyRequest/i.test(ua) ? 'Script'
    : 'Browser';
  const system =
    /iPhone|iPad|iPod/.test(ua) ? 'iOS'
    : /Android/.test(ua) ? 'Android'
    : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
    : /CrOS/.test(ua) ? 'ChromeOS'
    : /Linux/.test(ua) ? 'Linux'
    : null;
  return system ? `${browser} on ${system}` : browser;
}
