// 党建品牌 and 荣誉 (docs/honours.md): brands of a node, honours of a node, its
// party organisation or a resident, and a node's kept honour figures by year.
import { api, download } from './client.js'
import { resource } from './resource.js'

export const brands = {
  ...resource('/brands'),
  // The list's filters as a workbook (audited).
  exportFile: (query) => download('/brands/export', query, 'brands.xlsx'),
}

export const honours = {
  ...resource('/honours'),
  exportFile: (query) => download('/honours/export', query, 'honours.xlsx'),
}

// {org_id, figures: [{year, figure, total}]}: the node's kept figures starting with prefix.
export const yearFigures = (org, query) => api.get(`/orgs/${org}/year-figures`, query)
