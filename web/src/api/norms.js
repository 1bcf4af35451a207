// Norms (规则参数): the thresholds, weights and bands issued by a node from a year,
// what applies at a node in a year, and the catalogue of keys.
import { api } from './client.js'
import { resource } from './resource.js'

export const norms = {
  ...resource('/norms'),
  // {org_id, year, items: [{key, kind, norm}]}: norm null when none applies.
  effective: (org, year) => api.get('/norms/effective', { org, year }),
  // {items: [{key, kind, min, max, names, sum}]}
  keys: () => api.get('/norm-keys'),
}
