// Duty lists (书记抓基层党建责任清单): a secretary's list for a year, its items,
// moves, progress and quarterly reviews; common items issued down; the figures.
import { api } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const dutyLists = {
  // {items, next}: ?org=&year=&state=
  list: (query) => api.get('/duty-lists', query),
  // The list with items (each with progress), reviews, history and `can`.
  get: (id) => api.get(`/duty-lists/${id}`),
  create: (body, k) => api.post('/duty-lists', body, key(k)),
  // body: {action: submit|return|sign|publish, reason?, version}
  move: (id, body, k) => api.post(`/duty-lists/${id}/moves`, body, key(k)),
  addItem: (id, body, k) => api.post(`/duty-lists/${id}/items`, body, key(k)),
  updateItem: (itemId, body) => api.patch(`/duty-items/${itemId}`, body),
  removeItem: (itemId) => api.del(`/duty-items/${itemId}`),
  // body: {note, done}
  progress: (itemId, body, k) => api.post(`/duty-items/${itemId}/progress`, body, key(k)),
  // body: {quarter, rating, comment}
  review: (id, body, k) => api.post(`/duty-lists/${id}/reviews`, body, key(k)),
}

export const dutyCommons = {
  list: (query) => api.get('/duty-commons', query),
  create: (body, k) => api.post('/duty-commons', body, key(k)),
}

// {org_id, year, lists, lists_signed, ..., items, items_done, items_overdue, children: [...]}
export const dutyFigures = (org, year) => api.get('/duty-figures', { org, year })
