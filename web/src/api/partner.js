// 结对共建 (agency-community pairings) and purchased social services (contracts, visits).
import { api, download } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const pairings = {
  // {items, next, total}: ?org=&year=&unit=&overdue=&item_state=&sort=
  list: (query) => api.get('/pairings', query),
  // The pairing with its items (items_list, each with `can`) and `can.add_item`.
  get: (id) => api.get(`/pairings/${id}`),
  create: (body, k) => api.post('/pairings', body, key(k)),
  // body: {content, due_on, responsible}
  addItem: (id, body, k) => api.post(`/pairings/${id}/items`, body, key(k)),
  // body: {done_on, note?, version}
  done: (itemId, body, k) => api.post(`/pairing-items/${itemId}/done`, body, key(k)),
  // body: {version}
  confirm: (itemId, body, k) => api.post(`/pairing-items/${itemId}/confirm`, body, key(k)),
  // The list's filters as a workbook (audited).
  exportFile: (query) => download('/pairings/export', query, 'pairings.xlsx'),
}

// {org_id, year, pairings, items, items_done, items_confirmed, items_overdue, completion_rate, children}
export const pairingFigures = (org, year) => api.get('/pairing-figures', { org, year })
// {org_id, year, agencies: [{unit_id, unit_name, communities, ...the same figures}]}
export const pairingAgencyFigures = (org, year) => api.get('/pairing-agency-figures', { org, year })

export const contracts = {
  // {items, next, total}: ?org=&year=&unit=&service=&sort=
  list: (query) => api.get('/service-contracts', query),
  // The contract with beneficiaries_list (names and tags) and `can`.
  get: (id) => api.get(`/service-contracts/${id}`),
  create: (body, k) => api.post('/service-contracts', body, key(k)),
  // body: {person_ids}
  addBeneficiaries: (id, body, k) => api.post(`/service-contracts/${id}/beneficiaries`, body, key(k)),
  visits: (id, query) => api.get(`/service-contracts/${id}/visits`, query),
  // body: {person_id, visited_on, minutes, content, satisfaction?}
  addVisit: (id, body, k) => api.post(`/service-contracts/${id}/visits`, body, key(k)),
  exportFile: (query) => download('/service-contracts/export', query, 'service-contracts.xlsx'),
}

// {org_id, year, contracts, amount_fen, beneficiaries, contracted_visits, delivered_visits, ..., children}
export const contractFigures = (org, year) => api.get('/contract-figures', { org, year })
