// Residents: the resource, their tags, the import (.xlsx or CSV) and the export,
// and the audited reveal of one full value.
import { BASE, api, download, upload } from './client.js'
import { resource } from './resource.js'

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export const persons = {
  ...resource('/persons'),
  tags: () => api.get('/person-tags'),
  // One change to many: { action: move|tag_add|tag_remove|delete, ids, org_id | tag }.
  bulk: (body) => api.post('/persons/bulk', body),
  // query: the list's own filters (the export follows what is on screen), reveal, reason.
  exportFile: (query, filename) => download('/persons/export', query, filename),
  // dry_run=1 in query: a preview that writes nothing. An .xlsx workbook is sent
  // as one (the server reads either by its bytes), anything else as CSV.
  importFile: (query, file) => upload('/persons/import', query, file, /\.xlsx$/i.test(file.name) ? XLSX_TYPE : 'text/csv'),
  // The import's template, for a plain link: format 'xlsx' or 'csv'; its example
  // row names a grid of the node org.
  importTemplateUrl: (format, org) => `${BASE}/persons/import-template?format=${format}${org ? `&org=${org}` : ''}`,
}

// The audited reveal of one value: path is the route (a person's or a case's).
export const reveal = (path, body) => api.post(path, body)
