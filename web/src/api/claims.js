// Service posts (认领服务岗位) and 微心愿: a member's and a resident's phone pages, the public board.
import { api, download, request } from './client.js'
import { resource } from './resource.js'

export const claims = {
  mine: () => api.get('/my/claims'),
  claimPost: (id) => request('POST', `/service-posts/${id}/claims`),
  withdrawPost: (claimId) => request('POST', `/post-claims/${claimId}/withdraw`),
  claimWish: (id) => request('POST', `/wishes/${id}/claims`),
}

export const wishes = {
  mine: () => api.get('/my/wishes'),
  create: (body, key) => api.post('/wishes', body, { idempotencyKey: key }),
  move: (w, action, extra = {}) => api.post(`/wishes/${w.id}/moves`, { action, version: w.version, ...extra }),
  board: (code, query = {}) => api.get('/public/wishes', { code, ...query }),
}

// The console's lists of a node (staff): posts and wishes, with their xlsx exports.
// Staff: a post's edit and cancel (with a reason), the attendance of one claim once the slot started.
export const servicePosts = {
  ...resource('/service-posts'),
  cancel: (p, reason) => api.post(`/service-posts/${p.id}/cancel`, { reason, version: p.version }),
  attend: (claimId, attended) => api.post(`/post-claims/${claimId}/attendance`, { attended }),
  exportFile: (query) => download('/service-posts/export', query, 'service-posts.xlsx'),
}
// A wish as staff see it (its history and `can.moves`); its moves go through wishes.move.
export const wishList = {
  list: (query) => api.get('/wishes', query),
  get: (id) => api.get(`/wishes/${id}`),
  exportFile: (query) => download('/wishes/export', query, 'wishes.xlsx'),
}
