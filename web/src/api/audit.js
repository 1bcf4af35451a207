// The audit log.
import { api } from './client.js'

export const audit = {
  list: (query) => api.get('/audit', query),
}
