// Organisation nodes (the tree) and the figures each node answers.
import { api, download, getAll } from './client.js'
import { resource } from './resource.js'

export const orgs = {
  ...resource('/orgs'),
  children: (id, query) => api.get(`/orgs/${id}/children`, query),
  allChildren: (id) => getAll(`/orgs/${id}/children`),
  stats: (id) => api.get(`/orgs/${id}/stats`),
  coverage: (id) => api.get(`/orgs/${id}/coverage`),
  // The map of a node (outlines, buildings, open cases) and setting its outline.
  map: (id) => api.get(`/orgs/${id}/map`),
  putGeometry: (id, geometry) => api.put(`/orgs/${id}/geometry`, geometry),
  // The grid a point falls in ({grid, position}).
  locate: (lng, lat) => api.get('/locate', { lng, lat }),
  // The tile layer the operator configured: {url, attribution}, url null when none.
  mapTiles: () => api.get('/map/tiles'),
  casework: (id, query) => api.get(`/orgs/${id}/casework`, query),
  caseworkTrend: (id, query) => api.get(`/orgs/${id}/casework/trend`, query),
}

// 责任落实: every responsibility family's figures of a node and year, and the workbook.
export const responsibility = {
  figures: (org, year) => api.get('/responsibility-figures', { org, year }),
  exportFile: (org, year, filename) => download('/responsibility-figures/export', { org, year }, filename),
}

// 数说基层: the source text's figures of a node and year, computed from kept yearly figures.
export const cityFigures = {
  get: (org, year) => api.get(`/orgs/${org}/figures`, year ? { year } : {}),
  exportFile: (org, year, filename) => download(`/orgs/${org}/figures/export`, year ? { year } : {}, filename),
}
