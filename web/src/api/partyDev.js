// 发展党员: candidates for party membership and their 25 steps (docs/party-development.md).
import { api } from './client.js'
import { resource } from './resource.js'

export const partyCandidates = {
  // {items, next, total}: ?org=&party_org=&stage=&state=&q=
  ...resource('/party-candidates'),
  // {items: [candidate with next], today}: every open candidate of a branch, the soonest due first.
  due: (partyOrg) => api.get('/party-candidates/due', { party_org: partyOrg }),
  // Record step body.step; answers the candidate.
  step: (id, body, key) => api.post(`/party-candidates/${id}/steps`, body, key ? { idempotencyKey: key } : {}),
  // Open candidates by stage and the year's applications, admissions and conversions of a node.
  figures: (org, year) => api.get('/party-development-figures', { org, year }),
}
