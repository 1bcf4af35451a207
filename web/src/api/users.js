// Accounts and their grants.
import { api } from './client.js'
import { resource } from './resource.js'

export const users = {
  ...resource('/users'),
  grant: (id, body) => api.post(`/users/${id}/grants`, body),
  revoke: (id, grantId) => api.del(`/users/${id}/grants/${grantId}`),
}
