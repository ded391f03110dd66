import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../platform/clock';
import { newId } from '../../../platform/ids';
import type { Place } from '../risk/geolocation';
import { riskErrors } from '../risk/risk.errors';
import { requestFacts, type RecordAudit } from '../security.audit';
import type { DeviceCookie } from './device-cookie';
import { deviceLabel, readSignals, type DeviceSignals } from './device-signals';
import type { DeviceRow, DevicesRepository } from './devices.repository';

export interface RecognisedDevice {
  deviceId: string;
  /** This user has used this device before (and has not revoked it). */
  known: boolean;
  /** Known device, but the browser's user agent or platform differs from last time. */
  signalsChanged: boolean;
}

/** What the devices area needs from identity (passed in; the security module wires it). */
export interface SessionDirectory {
  listSessions(userId: string): Promise<Array<{ id: string; createdAt: string; lastSeenAt: string; ip: string | null; userAgent: string | null; deviceId: string | null }>>;
  revokeDeviceSessions(userId: string, deviceId: string): Promise<number>;
  revokeUserSession(userId: string, sessionId: string): Promise<boolean>;
}

/**
 * Devices: one record per browser per user, found by the signed device cookie. A log-in from a
 * browser without a valid cookie (or with a revoked one) gets a new device id and cookie.
 */
/** At most one `security.session.device_mismatch` entry per session (user + bound device) and minute. */
const mismatchAuditIntervalMs = 60_000;

export class DevicesService {
  private readonly mismatchAudited = new Map<string, number>();

  constructor(
    private readonly repository: DevicesRepository,
    private readonly cookie: DeviceCookie,
    private readonly clock: Clock,
    private readonly audit: RecordAudit,
  ) {}

  /** Finds or creates the device of a log-in or sign-up, refreshes its signals and sets the cookie. */
  async recognise(userId: string, request: FastifyRequest, reply: FastifyReply, place: Place | null): Promise<RecognisedDevice> {
    const signals = readSignals(request);
    const now = this.clock.now();
    const presented = this.cookie.read(request);
    if (presented.state === 'invalid') {
      await this.audit({
        action: 'security.device.cookie_rejected',
        outcome: 'denied',
        actor: { type: 'user', id: userId },
        ...requestFacts(request),
        details: { where: 'log-in', reason: 'the device cookie is malformed or its signature does not verify' },
      });
    }
    const place_ = { last_ip: request.ip, last_country: place?.country ?? null, last_city: place?.city ?? null };
    if (presented.state === 'valid') {
      const existing = await this.repository.find(userId, presented.id);
      if (existing && !existing.revoked_at) {
        const signalsChanged = changed(existing, signals);
        await this.repository.touch(userId, existing.id, { last_seen_at: now, ...place_, ...signalFields(signals) });
        this.cookie.write(reply, existing.id, now);
        return { deviceId: existing.id, known: true, signalsChanged };
      }
      if (!existing) {
        // The browser is known (another account used it) but new to this user.
        await this.repository.insert(newRow(presented.id, userId, signals, now, place_));
        this.cookie.write(reply, presented.id, now);
        return { deviceId: presented.id, known: false, signalsChanged: false };
      }
    }
    const id = newId(now.getTime());
    await this.repository.insert(newRow(id, userId, signals, now, place_));
    this.cookie.write(reply, id, now);
    return { deviceId: id, known: false, signalsChanged: false };
  }

  /**
   * Does this request carry the device cookie of `deviceId`? A tampered cookie is recorded in the
   * audit log (without waiting: this runs on every authenticated request).
   */
  matches(request: FastifyRequest, deviceId: string, userId: string): boolean {
    const presented = this.cookie.read(request);
    if (presented.state === 'valid' && presented.id === deviceId) return true;
    if (!this.shouldAuditMismatch(`${userId}:${deviceId}`)) return false;
    void this.audit({
      action: 'security.session.device_mismatch',
      outcome: 'denied',
      actor: { type: 'user', id: userId },
      ...requestFacts(request),
      details: { presented: presented.state === 'valid' ? presented.id : presented.state, boundTo: deviceId },
    }).catch(() => undefined);
    return false;
  }

  /** A stolen cookie replayed in a loop must not flood the audit log: one entry per minute per session. */
  private shouldAuditMismatch(key: string): boolean {
    const now = this.clock.now().getTime();
    const last = this.mismatchAudited.get(key);
    if (last !== undefined && now - last < mismatchAuditIntervalMs && now >= last) return false;
    if (this.mismatchAudited.size >= 10_000) {
      for (const [entry, at] of this.mismatchAudited) if (now - at >= mismatchAuditIntervalMs) this.mismatchAudited.delete(entry);
      if (this.mismatchAudited.size >= 10_000) this.mismatchAudited.clear();
    }
    this.mismatchAudited.set(key, now);
    return true;
  }

  presented(request: FastifyRequest) {
    return this.cookie.read(request);
  }

  /** The user's devices, each with its active sessions; `current` marks the caller's own. */
  async list(userId: string, sessions: SessionDirectory, current: { sessionId: string | null; deviceId: string | null }) {
    const [devices, active] = await Promise.all([this.repository.list(userId), sessions.listSessions(userId)]);
    return devices.map((device) => ({
      id: device.id,
      label: device.label,
      userAgent: device.user_agent,
      platform: device.platform,
      screen: device.screen,
      timezone: device.timezone,
      language: device.language,
      firstSeenAt: device.first_seen_at.toISOString(),
      lastSeenAt: device.last_seen_at.toISOString(),
      lastPlace: { ip: device.last_ip, country: device.last_country, city: device.last_city },
      current: device.id === current.deviceId,
      sessions: active
        .filter((session) => session.deviceId === device.id)
        .map((session) => ({ id: session.id, createdAt: session.createdAt, lastSeenAt: session.lastSeenAt, ip: session.ip, current: session.id === current.sessionId })),
    }));
  }

  /** Revokes a device: its record stops being trusted and every session on it ends. */
  async revoke(userId: string, deviceId: string, sessions: SessionDirectory, request: FastifyRequest): Promise<{ endedSessions: number }> {
    const revoked = await this.repository.revoke(userId, deviceId, this.clock.now());
    if (!revoked) throw riskErrors.DEVICE_NOT_FOUND(`You have no active device ${deviceId}.`);
    const endedSessions = await sessions.revokeDeviceSessions(userId, deviceId);
    await this.audit({
      action: 'security.device.revoked',
      outcome: 'success',
      actor: { type: 'user', id: userId },
      target: { type: 'device', id: deviceId },
      ...requestFacts(request),
      details: { endedSessions },
    });
    return { endedSessions };
  }
}

function signalFields(signals: DeviceSignals) {
  return {
    label: deviceLabel(signals.userAgent),
    user_agent: signals.userAgent,
    platform: signals.platform,
    screen: signals.screen,
    timezone: signals.timezone,
    language: signals.language,
  };
}

function newRow(id: string, userId: string, signals: DeviceSignals, now: Date, place: { last_ip: string; last_country: string | null; last_city: string | null }): DeviceRow {
  return { id, user_id: userId, ...signalFields(signals), first_seen_at: now, last_seen_at: now, ...place, revoked_at: null };
}

/** A different browser family or operating system behind the same cookie suggests a copied cookie. */
function changed(existing: DeviceRow, signals: DeviceSignals): boolean {
  if (existing.label !== 'Unknown device' && signals.userAgent && deviceLabel(signals.userAgent) !== existing.label) return true;
  return !!(existing.platform && signals.platform && existing.platform !== signals.platform);
}
