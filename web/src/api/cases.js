// Casework (一线为民): cases, their moves and photos, categories, the inbox.
import { BASE, api, download, upload } from './client.js'

export const cases = {
  list: (query) => api.get('/cases', query),
  // query: the list's own filters (the export follows what is on screen).
  exportFile: (query, filename) => download('/cases/export', query, filename),
  // The names of the case's place, root first.
  place: (id) => api.get(`/cases/${id}/place`),
  get: (id) => api.get(`/cases/${id}`),
  create: (body, key) => api.post('/cases', body, { idempotencyKey: key }),
  nearby: (query) => api.get('/cases/nearby', query),
  act: (id, body) => api.post(`/cases/${id}/actions`, body),
  supervise: (id, body) => api.post(`/cases/${id}/supervise`, body),
  escalate: (id, body) => api.post(`/cases/${id}/escalate`, body),
  publicity: (id, body) => api.post(`/cases/${id}/publicity`, body),
  duplicates: (id) => api.get(`/cases/${id}/duplicates`),
  photos: (id) => api.get(`/cases/${id}/photos`),
  // An image's address for <img src> (served with the session cookie).
  photoUrl: (id, photoId) => `${BASE}/cases/${id}/photos/${photoId}`,
  addPhoto: (id, file) => upload(`/cases/${id}/photos`, undefined, file, file.type || 'application/octet-stream'),
  categories: () => api.get('/case-categories'),
  inbox: () => api.get('/inbox'),
  // The inbox's event stream (Server-Sent Events): an event after each commit that may change an inbox.
  inboxEvents: () => new EventSource('/api/v1/inbox/events'),
}
