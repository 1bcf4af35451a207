// Rectification (问题清单 / 任务清单 / 责任清单) and inspections (日常督查, 明查, 暗访).
import { api } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const problems = {
  // {items, next, total}: ?org=&year=&state=&source=&overdue=&supervised=
  list: (query) => api.get('/problems', query),
  // The problem with its history and `can.moves`.
  get: (id) => api.get(`/problems/${id}`),
  create: (body, k) => api.post('/problems', body, key(k)),
  // body: {action: start|apply|close|return, reason?, version}
  move: (id, body, k) => api.post(`/problems/${id}/moves`, body, key(k)),
  // body: {org_id, year}: that year's open problems into the next
  carryOver: (body, k) => api.post('/problem-carry-over', body, key(k)),
}

// {org_id, year, problems, open, overdue, supervised, closed, closure_rate, repeated, children}
export const problemFigures = (org, year) => api.get('/problem-figures', { org, year })

export const inspections = {
  list: (query) => api.get('/inspections', query),
  get: (id) => api.get(`/inspections/${id}`),
  create: (body, k) => api.post('/inspections', body, key(k)),
  publish: (id, body, k) => api.post(`/inspections/${id}/publish`, body, key(k)),
  // body: {result: pass|fail, note?}
  result: (itemId, body, k) => api.post(`/inspection-items/${itemId}/result`, body, key(k)),
  // body: {severity, measure, deadline, ...}: the failed item as a problem
  toProblem: (itemId, body, k) => api.post(`/inspection-items/${itemId}/problem`, body, key(k)),
}
