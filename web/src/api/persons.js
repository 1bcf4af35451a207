// Residents: the resource, their tags, the CSV import and the export, and the
// audited reveal of one full value.
import { BASE, api, download, upload } from './client.js'
import { resource } from './resource.js'

export const persons = {
  ...resource('/persons'),
  tags: () => api.get('/person-tags'),
  // query: the list's own filters (the export follows what is on screen), reveal, reason.
  exportFile: (query, filename) => download('/persons/export', query, filename),
  // dry_run=1 in query: a preview that writes nothing.
  importFile: (query, file) => upload('/persons/import', query, file),
  // The import's CSV template, for a plain link.
  importTemplateUrl: `${BASE}/persons/import-template`,
}

// The audited reveal of one value: path is the route (a person's or a case's).
export const reveal = (path, body) => api.post(path, body)
