// 迁入申请: requests to move a resident registered at another node.
import { api } from './client.js'

export const transfers = {
  list: (query) => api.get('/person-transfers', query),
  create: (body, key) => api.post('/person-transfers', body, { idempotencyKey: key }),
  // accept: true to accept, false to decline; body carries the version and an optional note.
  decide: (id, accept, body) => api.post(`/person-transfers/${id}/${accept ? 'accept' : 'decline'}`, body),
}
