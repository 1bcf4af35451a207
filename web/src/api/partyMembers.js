// Party members (党员), named by their person's id.
import { api } from './client.js'
import { resource } from './resource.js'

export const partyMembers = {
  ...resource('/party-members'),
  // One change to many: { action: move|delete, ids, party_org_id }.
  bulk: (body) => api.post('/party-members/bulk', body),
}
