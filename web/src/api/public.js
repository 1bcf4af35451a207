// For someone without an account: the categories, a report, following it by code.
import { api, publicCategories, upload } from './client.js'

export const publicCases = {
  categories: () => publicCategories(),
  report: (body) => api.post('/public/cases', body),
  follow: (code) => api.get('/public/cases', { code }),
  // A photo of the report just sent, with the upload token its answer carried.
  addPhoto: (token, file) => upload('/public/case-photos', undefined, file, file.type || 'application/octet-stream', { 'X-Upload-Token': token }),
  // The city's outlines (a node's, its children's, a street's grids) and where a point falls.
  map: (org) => api.get('/public/map', org ? { org } : {}),
  locate: (lng, lat) => api.get('/public/locate', { lng, lat }),
}
