// The audit log.
import { api, download } from './client.js'

export const audit = {
  list: (query) => api.get('/audit', query),
  exportFile: (query) => download('/audit/export', query, 'audit-log.xlsx'),
}
