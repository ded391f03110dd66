import L from 'leaflet';
import { loadPublicConfig } from '../lib/config';

/**
 * Adds the configured tile layer to a map and reports the first tile failure, so the page can
 * say the background is unavailable (offline, blocked) while markers keep working.
 */
export function attachTiles(map: L.Map, onTilesFailed: () => void): () => void {
  let cancelled = false;
  let layer: L.TileLayer | null = null;
  void loadPublicConfig().then((config) => {
    if (cancelled) return;
    layer = L.tileLayer(config.mapTileUrl, {
      attribution: config.mapTileAttribution,
      maxZoom: 19,
    });
    layer.once('tileerror', onTilesFailed);
    layer.addTo(map);
  });
  return () => {
    cancelled = true;
    layer?.remove();
  };
}

export function pinIcon(label: string, className = ''): L.DivIcon {
  const html = document.createElement('span');
  html.className = 'price-pin-label';
  html.textContent = label;
  return L.divIcon({
    className: `price-pin ${className}`.trim(),
    html,
    iconSize: undefined,
    iconAnchor: undefined,
  });
}

export function dotIcon(): L.DivIcon {
  return L.divIcon({ className: 'location-dot', iconSize: [22, 22], iconAnchor: [11, 11] });
}

export function hasLocation(point: { latitude: number | null; longitude: number | null }): point is {
  latitude: number;
  longitude: number;
} {
  return (
    typeof point.latitude === 'number' &&
    typeof point.longitude === 'number' &&
    Number.isFinite(point.latitude) &&
    Number.isFinite(point.longitude)
  );
}
