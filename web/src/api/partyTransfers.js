// Membership transfers (组织关系转接) between party organisations: the list of a
// node's transfers out and in, the moves of each side, the member's own and the
// figures (docs/party-transfers.md).
import { api, download } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const partyTransfers = {
  // {items, next, total}: ?org=&box=in|out&state=&open=0|1&person_id=&sort=
  list: (query) => api.get('/party-transfers', query),
  get: (id) => api.get(`/party-transfers/${id}`),
  // body: {to_party_org_id, type, away_months, fixed_place, purpose, dues_paid_to, person_id?}
  create: (body, k) => api.post('/party-transfers', body, key(k)),
  // body: {action, version, reason?, letter_no?, valid_days?}
  move: (id, body, k) => api.post(`/party-transfers/${id}/moves`, body, key(k)),
  export: (query) => download('/party-transfers/export', query, 'party-transfers.xlsx'),
  // {items: [{id, name, kind, org_id, org_name}]}: party organisations anywhere, by name
  destinations: (q) => api.get('/party-transfers/destinations', { q }),
  // {member, transfers}
  mine: () => api.get('/my/party-transfer'),
}

export const partyTransferFigures = (org, year) => api.get('/party-transfer-figures', { org, year })
