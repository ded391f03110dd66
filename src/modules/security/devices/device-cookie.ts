import type { FastifyReply, FastifyRequest } from 'fastify';
import { isUuid } from '../../../platform/ids';
import type { Secrets } from '../../../platform/secrets';

export const deviceCookieName = 'domus_device';
const purpose = 'device-cookie';
/** RFC 6265bis caps cookie lifetimes at 400 days. */
const lifetimeMs = 400 * 24 * 3_600_000;

export type PresentedDevice = { state: 'absent' } | { state: 'valid'; id: string } | { state: 'invalid' };

/**
 * The device cookie: `<device uuid>.<HMAC-SHA256 of it>` under a key derived for this purpose
 * only. The id is not secret (it is listed to the user); the signature makes it unforgeable, so a
 * session bound to a device cannot be replayed from a browser that only guessed or invented one.
 */
export class DeviceCookie {
  /** Cookie values whose signature verified (a value verifies the same way every time under one key). */
  private readonly verified = new Map<string, string>();

  constructor(
    private readonly secrets: Secrets,
    private readonly secure: boolean,
  ) {}

  read(request: FastifyRequest): PresentedDevice {
    const raw = request.cookies[deviceCookieName];
    if (raw === undefined || raw === '') return { state: 'absent' };
    if (raw.length > 200) return { state: 'invalid' };
    const known = this.verified.get(raw);
    if (known) return { state: 'valid', id: known };
    const dot = raw.indexOf('.');
    const id = raw.slice(0, dot);
    const signature = raw.slice(dot + 1);
    if (dot < 0 || !isUuid(id) || !this.secrets.verify(purpose, id, signature)) return { state: 'invalid' };
    if (this.verified.size >= 50_000) this.verified.clear();
    this.verified.set(raw, id);
    return { state: 'valid', id };
  }

  write(reply: FastifyReply, id: string, now: Date): void {
    reply.setCookie(deviceCookieName, `${id}.${this.secrets.sign(purpose, id)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      expires: new Date(now.getTime() + lifetimeMs),
    });
  }
}
