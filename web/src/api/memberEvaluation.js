// 民主评议党员: a branch's yearly rounds, its members' steps (self, peer, branch,
// decision, follow-up), the member's own evaluations and the figures
// (docs/member-evaluation.md).
import { api } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const evaluationRounds = {
  // {items, next, total}: ?org=&year=&party_org_id=&state=&sort=
  list: (query) => api.get('/member-evaluations', query),
  // the round with its entries, cap {graded, excellent, excellent_proposed, max, share} and can
  get: (id) => api.get(`/member-evaluations/${id}`),
  // body: {party_org_id, year}
  create: (body, k) => api.post('/member-evaluations', body, key(k)),
  close: (id, version, k) => api.post(`/member-evaluations/${id}/close`, { version }, key(k)),
}

export const evaluationEntries = {
  get: (id) => api.get(`/member-evaluation-entries/${id}`),
  // body: {step: self|peer|branch|decision|follow_up, text?, peer_*?, grade?, follow_up?, note?, version}
  step: (id, body, k) => api.post(`/member-evaluation-entries/${id}/steps`, body, key(k)),
}

// {member, items}: the caller's own evaluations, latest year first.
export const myEvaluation = () => api.get('/my/evaluation')
export const memberEvaluationFigures = (org, year) => api.get('/member-evaluation-figures', { org, year })
