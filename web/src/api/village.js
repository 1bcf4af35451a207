// 村级集体经济: villages' yearly accounts (operating income apart from subsidies
// and other income), each answered with its band against the norm in force.
import { api, download } from './client.js'
import { resource } from './resource.js'

export const villageAccounts = {
  // {items, next, total}: ?org=&year=&band=&change=&q=
  ...resource('/village-accounts'),
  // The list's filters as a workbook (audited).
  exportFile: (query) => download('/village-accounts/export', query, 'village-accounts.xlsx'),
}

// A node's kept yearly figures under prefix: {org_id, figures: [{year, figure, total}]}.
export const yearFigures = (org, query) => api.get(`/orgs/${org}/year-figures`, query)
