import L from 'leaflet';
import { useEffect, useRef, useState } from 'react';
import type { Listing } from '../api/types';
import { formatCompactMoney, formatListingPrice } from '../lib/money';
import { clampBBox, type BBox } from '../lib/searchFilters';
import { attachTiles, hasLocation, pinIcon } from './mapSupport';

interface SearchMapProps {
  listings: Listing[];
  /** The bbox filter in force; when set the map keeps the user's view instead of refitting. */
  bbox: BBox | null;
  highlightedId: string | null;
  onHighlight: (id: string | null) => void;
  onSearchArea: (bbox: BBox) => void;
  onOpenListing: (id: string) => void;
}

const worldView = { center: L.latLng(30, 0), zoom: 2 };

export function SearchMap({ listings, bbox, highlightedId, onHighlight, onSearchArea, onOpenListing }: SearchMapProps) {
  const containerRef = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<L.Map | null>(null);
  const layerRef = useRef<L.LayerGroup | null>(null);
  const markersRef = useRef(new Map<string, L.Marker>());
  const userIntentRef = useRef(false);
  const fittedBBoxRef = useRef<string | null>(null);
  const callbacksRef = useRef({ onHighlight, onOpenListing });
  callbacksRef.current = { onHighlight, onOpenListing };
  const [areaChanged, setAreaChanged] = useState(false);
  const [tilesFailed, setTilesFailed] = useState(false);

  // Create the map once.
  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const map = L.map(container, { zoomControl: true, worldCopyJump: true, zoomSnap: 0.5 }).setView(worldView.center, worldView.zoom);
    mapRef.current = map;
    layerRef.current = L.layerGroup().addTo(map);
    const detachTiles = attachTiles(map, () => setTilesFailed(true));

    // Only moves the person made should offer "search this area", not our own fitBounds.
    const markIntent = () => {
      userIntentRef.current = true;
    };
    const events = ['pointerdown', 'wheel', 'keydown', 'touchstart'] as const;
    for (const name of events) container.addEventListener(name, markIntent, { passive: true });
    map.on('moveend', () => {
      if (userIntentRef.current) setAreaChanged(true);
    });
    const resizeObserver = new ResizeObserver(() => map.invalidateSize());
    resizeObserver.observe(container);
    return () => {
      resizeObserver.disconnect();
      for (const name of events) container.removeEventListener(name, markIntent);
      detachTiles();
      map.remove();
      mapRef.current = null;
      layerRef.current = null;
      markersRef.current.clear();
    };
  }, []);

  // Markers for the loaded results.
  useEffect(() => {
    const map = mapRef.current;
    const layer = layerRef.current;
    if (!map || !layer) return;
    layer.clearLayers();
    markersRef.current.clear();
    const located = listings.filter((listing) => hasLocation(listing.property));
    for (const listing of located) {
      const { latitude, longitude } = listing.property as { latitude: number; longitude: number };
      const marker = L.marker([latitude, longitude], {
        icon: pinIcon(formatCompactMoney(listing.askingPrice)),
        title: `${listing.title}, ${formatListingPrice(listing.askingPrice, listing.kind)}`,
        alt: listing.title,
        riseOnHover: true,
        keyboard: true,
      });
      marker.bindPopup(() => popupContent(listing, (id) => callbacksRef.current.onOpenListing(id)), {
        closeButton: true,
        maxWidth: 260,
        minWidth: 220,
      });
      marker.on('mouseover', () => callbacksRef.current.onHighlight(listing.id));
      marker.on('mouseout', () => callbacksRef.current.onHighlight(null));
      marker.addTo(layer);
      markersRef.current.set(listing.id, marker);
    }

    const bboxKey = bbox ? bbox.join(',') : null;
    if (bbox) {
      // A shared URL with a bbox: show that area once; afterwards respect the person's view.
      if (fittedBBoxRef.current !== bboxKey) {
        userIntentRef.current = false;
        map.fitBounds(
          [
            [bbox[1], bbox[0]],
            [bbox[3], bbox[2]],
          ],
          { animate: false },
        );
      }
    } else if (located.length > 0) {
      userIntentRef.current = false;
      const bounds = L.latLngBounds(located.map((listing) => [listing.property.latitude!, listing.property.longitude!]));
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 15, animate: false });
    }
    fittedBBoxRef.current = bboxKey;
    setAreaChanged(false);
  }, [listings, bbox]);

  // Reflect the card the person is looking at on its pin.
  useEffect(() => {
    for (const [id, marker] of markersRef.current) {
      const active = id === highlightedId;
      marker.getElement()?.classList.toggle('is-active', active);
      marker.setZIndexOffset(active ? 1000 : 0);
    }
  }, [highlightedId, listings]);

  const unlocated = listings.length - listings.filter((listing) => hasLocation(listing.property)).length;

  return (
    <div className="search-map" data-testid="search-map">
      <div ref={containerRef} className="map-canvas" role="region" aria-label="Map of search results" />
      {areaChanged && (
        <button
          type="button"
          className="button button-primary map-search-area"
          data-testid="search-this-area"
          onClick={() => {
            const map = mapRef.current;
            if (!map) return;
            const bounds = map.getBounds();
            userIntentRef.current = false;
            setAreaChanged(false);
            const next = clampBBox(bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth());
            fittedBBoxRef.current = next.join(',');
            onSearchArea(next);
          }}
        >
          Search this area
        </button>
      )}
      {(tilesFailed || unlocated > 0) && (
        <p className="map-note" data-testid="map-note">
          {tilesFailed && <span data-testid="map-tiles-unavailable">Map background unavailable. Pins still work.</span>}
          {tilesFailed && unlocated > 0 && ' '}
          {unlocated > 0 && <span>{unlocated === 1 ? '1 result has' : `${unlocated} results have`} no location.</span>}
        </p>
      )}
    </div>
  );
}

function popupContent(listing: Listing, onOpen: (id: string) => void): HTMLElement {
  const root = document.createElement('div');
  root.className = 'map-popup';
  const photo = listing.photos[0];
  if (photo) {
    const image = document.createElement('img');
    image.src = photo.urls.thumb;
    image.alt = listing.title;
    image.loading = 'lazy';
    root.append(image);
  }
  const price = document.createElement('p');
  price.className = 'map-popup-price';
  price.textContent = formatListingPrice(listing.askingPrice, listing.kind);
  const link = document.createElement('a');
  link.href = `/listings/${encodeURIComponent(listing.id)}`;
  link.className = 'map-popup-title';
  link.textContent = listing.title;
  link.addEventListener('click', (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    onOpen(listing.id);
  });
  const place = document.createElement('p');
  place.className = 'map-popup-place';
  place.textContent = `${listing.property.address}, ${listing.property.city}`;
  root.append(price, link, place);
  return root;
}
