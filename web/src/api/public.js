// For someone without an account: the categories, a report, following it by code.
import { api, publicCategories } from './client.js'

export const publicCases = {
  categories: () => publicCategories(),
  report: (body) => api.post('/public/cases', body),
  follow: (code) => api.get('/public/cases', { code }),
  // The city's outlines (a node's, its children's, a street's grids) and where a point falls.
  map: (org) => api.get('/public/map', org ? { org } : {}),
  locate: (lng, lat) => api.get('/public/locate', { lng, lat }),
}
