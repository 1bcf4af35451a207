// Organisation nodes (the tree) and the figures each node answers.
import { api, getAll } from './client.js'
import { resource } from './resource.js'

export const orgs = {
  ...resource('/orgs'),
  children: (id, query) => api.get(`/orgs/${id}/children`, query),
  allChildren: (id) => getAll(`/orgs/${id}/children`),
  stats: (id) => api.get(`/orgs/${id}/stats`),
  coverage: (id) => api.get(`/orgs/${id}/coverage`),
  casework: (id, query) => api.get(`/orgs/${id}/casework`, query),
  caseworkTrend: (id, query) => api.get(`/orgs/${id}/casework/trend`, query),
}
