// The catalogues every signed-in user may read: roles with their permissions,
// and the fixed vocabularies (GET /enums) the API accepts.
import { api } from './client.js'

export const roles = () => api.get('/roles')
export const enums = () => api.get('/enums')
