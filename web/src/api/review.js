// 述职评议: sessions held by a node, the secretaries reporting, the delegates' roster
// (codes shown once), questions, comments, the close and the confirmed grades; and the
// delegate's phone, without an account (the code in the body, never in an address).
import { api } from './client.js'

export const reviews = {
  list: (query) => api.get('/review-sessions', query),
  get: (id) => api.get(`/review-sessions/${id}`),
  create: (body, key) => api.post('/review-sessions', body, key ? { idempotencyKey: key } : {}),
  addReporter: (id, cadreId) => api.post(`/review-sessions/${id}/reporters`, { cadre_id: cadreId }),
  addDelegates: (id, names) => api.post(`/review-sessions/${id}/delegates`, { names }),
  // A new code for a delegate who lost theirs (the old one stops at once): {id, name, code}, shown once.
  reissue: (delegateId) => api.post(`/review-delegates/${delegateId}/reissue`),
  close: (id) => api.post(`/review-sessions/${id}/close`),
  updateReporter: (id, body) => api.patch(`/review-reporters/${id}`, body),
  ask: (id, text) => api.post(`/review-reporters/${id}/questions`, { text }),
  answer: (id, text) => api.post(`/review-questions/${id}/answer`, { text }),
  confirm: (id, body) => api.post(`/review-reporters/${id}/confirm`, body),
  // 列入问题清单: a problem the comment points out (severity, measure, deadline, ...).
  raiseProblem: (id, body, key) => api.post(`/review-reporters/${id}/problems`, body, key ? { idempotencyKey: key } : {}),
}

export const voting = {
  sheet: (code) => api.post('/public/review-sheet', { code }),
  vote: (code, reporterId, grade) => api.post('/public/review-ballots', { code, reporter_id: reporterId, grade }),
}
