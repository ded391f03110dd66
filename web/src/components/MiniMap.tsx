import L from 'leaflet';
import { useEffect, useRef, useState } from 'react';
import { attachTiles, dotIcon } from './mapSupport';

interface MiniMapProps {
  latitude: number | null;
  longitude: number | null;
  label: string;
  /** When given, clicking the map or dragging the pin picks a location. */
  onPick?: (latitude: number, longitude: number) => void;
  zoom?: number;
}

/** A small map with one pin: the property page's location and the workspace's location picker. */
export function MiniMap({ latitude, longitude, label, onPick, zoom = 15 }: MiniMapProps) {
  const containerRef = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<L.Map | null>(null);
  const markerRef = useRef<L.Marker | null>(null);
  const onPickRef = useRef(onPick);
  onPickRef.current = onPick;
  const [tilesFailed, setTilesFailed] = useState(false);
  const pickable = Boolean(onPick);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const map = L.map(container, {
      zoomControl: true,
      scrollWheelZoom: pickable,
      attributionControl: true,
    }).setView([30, 0], 2);
    mapRef.current = map;
    const detachTiles = attachTiles(map, () => setTilesFailed(true));
    if (pickable) {
      map.on('click', (event: L.LeafletMouseEvent) => {
        onPickRef.current?.(round(event.latlng.lat), round(event.latlng.lng));
      });
    }
    const resizeObserver = new ResizeObserver(() => map.invalidateSize());
    resizeObserver.observe(container);
    return () => {
      resizeObserver.disconnect();
      detachTiles();
      map.remove();
      mapRef.current = null;
      markerRef.current = null;
    };
  }, [pickable]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    if (latitude === null || longitude === null || !Number.isFinite(latitude) || !Number.isFinite(longitude)) {
      markerRef.current?.remove();
      markerRef.current = null;
      return;
    }
    const position = L.latLng(latitude, longitude);
    if (markerRef.current) {
      markerRef.current.setLatLng(position);
    } else {
      const marker = L.marker(position, { icon: dotIcon(), title: label, alt: label, draggable: pickable, keyboard: false });
      if (pickable) {
        marker.on('dragend', () => {
          const point = marker.getLatLng();
          onPickRef.current?.(round(point.lat), round(point.lng));
        });
      }
      marker.addTo(map);
      markerRef.current = marker;
    }
    map.setView(position, Math.max(map.getZoom(), pickable ? 13 : zoom), { animate: false });
  }, [latitude, longitude, label, pickable, zoom]);

  return (
    <div className="mini-map">
      <div ref={containerRef} className="map-canvas" role="region" aria-label={`Map: ${label}`} />
      {tilesFailed && <p className="map-note">Map background unavailable.</p>}
    </div>
  );
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
