// 区域化党建联盟 (regional party alliances): members, joint meetings, the needs /
// resources / projects lists and their claims (docs/alliances.md).
import { api, download } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const alliances = {
  // {items, next, total}: ?org=&kind=&active_in=&q=&sort=
  list: (query) => api.get('/alliances', query),
  // The alliance with members_list, meetings_list, items_list (each item with its claims and `can`) and `can`.
  get: (id) => api.get(`/alliances/${id}`),
  create: (body, k) => api.post('/alliances', body, key(k)),
  // Every field but the lead node, with version; dissolved_on dissolves it.
  update: (id, body) => api.put(`/alliances/${id}`, body),
  // body: {unit_id | party_org_id | member_org_id, role, joined_on}
  addMember: (id, body, k) => api.post(`/alliances/${id}/members`, body, key(k)),
  // body: {held_on, topic, minutes?, attendee_ids}
  addMeeting: (id, body, k) => api.post(`/alliances/${id}/meetings`, body, key(k)),
  // body: {list, title, detail?, raised_by, raised_on}
  addItem: (id, body, k) => api.post(`/alliances/${id}/items`, body, key(k)),
  // body: {member_id, resource_id?, note?, offered_on?}
  claim: (itemId, body, k) => api.post(`/alliance-items/${itemId}/claims`, body, key(k)),
  // body: {done_on, note, version}
  complete: (itemId, body, k) => api.post(`/alliance-items/${itemId}/complete`, body, key(k)),
  withdraw: (itemId, body, k) => api.post(`/alliance-items/${itemId}/withdraw`, body, key(k)),
  accept: (claimId, body, k) => api.post(`/alliance-claims/${claimId}/accept`, body, key(k)),
  decline: (claimId, body, k) => api.post(`/alliance-claims/${claimId}/decline`, body, key(k)),
  exportFile: (query) => download('/alliances/export', query, 'alliances.xlsx'),
}

export const KINDS = ['territorial', 'industrial']
export const ROLES = ['lead', 'rotating_chair', 'member']
export const LISTS = ['need', 'resource', 'project']
