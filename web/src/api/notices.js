// Notices (调度通报): issued down the tree, a receipt per receiving node; reading,
// replying and reminding; the figures of a subtree and the printed PDF.
import { api, download } from './client.js'

export const notices = {
  // ?box=issued (the subtree's, with unread and replied) or received (the caller's orgs' receipts).
  list: (query) => api.get('/notices', query),
  get: (id) => api.get(`/notices/${id}`),
  create: (body, key) => api.post('/notices', body, key ? { idempotencyKey: key } : {}),
  // The issuer's side only: {items, next}, ?state= unread, unreplied, overdue or replied.
  receipts: (id, query) => api.get(`/notices/${id}/receipts`, query),
  read: (id) => api.post(`/notices/${id}/read`),
  reply: (id, body) => api.post(`/notices/${id}/reply`, body),
  remind: (id, body) => api.post(`/notices/${id}/remind`, body),
  figures: (org) => api.get('/notice-figures', { org }),
  pdf: (id) => download(`/notices/${id}/pdf`, undefined, `notice-${id}.pdf`),
}
