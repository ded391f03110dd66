import { api } from '../api/endpoints';
import type { PublicConfig } from '../api/types';

export const fallbackConfig: PublicConfig = {
  mapTileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  mapTileAttribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  demoData: false,
};

let cached: Promise<PublicConfig> | null = null;

/** The public configuration, fetched once; the map still works on the fallback if it fails. */
export function loadPublicConfig(): Promise<PublicConfig> {
  cached ??= api.publicConfig().then(
    (config) => ({ ...fallbackConfig, ...config }),
    () => {
      cached = null;
      return fallbackConfig;
    },
  );
  return cached;
}
