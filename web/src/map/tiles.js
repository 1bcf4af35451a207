// The tile layer the operator configured, asked once per page load: {url, attribution},
// url null when none (the maps then draw outlines alone). Apart from Leaflet, so a form
// can ask whether a map without outlines would show anything before loading Leaflet.
import { orgs } from '../api/orgs.js'

let once = null
export function mapTiles() {
  if (!once) once = orgs.mapTiles().catch(() => ({ url: null, attribution: '' }))
  return once
}
