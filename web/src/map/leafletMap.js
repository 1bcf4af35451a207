// Leaflet for the console's maps (the node map, the report's place picker): loaded
// only by the pages that draw a map (a route-level import), never on the way from
// login to the dashboard. No tile layer unless the operator configured one
// (GET /map/tiles): the outlines themselves are the base layer, so a map works
// with no internet.
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { mapTiles } from './tiles.js'

export { L }

// Hefei, where a map with nothing to frame opens.
export const DEFAULT_VIEW = { center: [31.82, 117.23], zoom: 10 }

// The colour of an open case by its state (the legend lists these), and the ring of an overdue one.
export const STATE_COLORS = {
  reported: '#409eff',
  accepted: '#6f42c1',
  dispatched: '#e6a23c',
  handling: '#f08c00',
  handled: '#20a07a',
  verified: '#2f9e44',
}
export const OVERDUE_COLOR = '#d03050'
export const OUTLINE = { self: '#1f4e9c', child: '#2f7d6d', grid: '#8a6d3b', context: '#9aa3ad', edit: '#d97706' }


const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

// A Leaflet map in el, with the operator's tile layer when there is one.
export async function createMap(el) {
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: true })
  map.attributionControl.setPrefix(false)
  map.setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom)
  const tiles = await mapTiles()
  if (tiles.url) L.tileLayer(tiles.url, { attribution: escapeHtml(tiles.attribution || ''), maxZoom: 18 }).addTo(map)
  return { map, tiled: Boolean(tiles.url) }
}

// A GeoJSON geometry (Polygon, MultiPolygon or Point) as a Leaflet layer, or null.
export function geometryLayer(geometry, style) {
  if (!geometry || !geometry.type) return null
  if (geometry.type === 'Point') {
    const [lng, lat] = geometry.coordinates
    return L.circleMarker([lat, lng], { radius: 4, ...style })
  }
  return L.geoJSON(geometry, { style: () => style })
}

// Fit the map to the bounds of the layers given (ignoring empty ones); false if none had any.
export function fitTo(map, layers, maxZoom = 17) {
  let bounds = null
  for (const layer of layers) {
    if (!layer) continue
    const b = layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()])
    if (!b.isValid()) continue
    bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast())
  }
  if (!bounds) return false
  map.fitBounds(bounds, { padding: [16, 16], maxZoom, animate: false })
  return true
}
