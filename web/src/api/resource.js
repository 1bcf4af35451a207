// The calls every plain resource family answers (GET list and one, POST, PATCH,
// DELETE under one path), built on the client. A family's module starts from
// these and adds its own routes.
import { api, getAll } from './client.js'

export function resource(path) {
  return {
    // One page: {items, next}.
    list: (query) => api.get(path, query),
    // Every page, following the cursor.
    all: (query) => getAll(path, query),
    get: (id) => api.get(`${path}/${id}`),
    // key: the Idempotency-Key of this create (composables/useIdempotencyKey.js).
    create: (body, key) => api.post(path, body, key ? { idempotencyKey: key } : {}),
    // body carries the version read, as the API asks.
    update: (id, body) => api.patch(`${path}/${id}`, body),
    remove: (id) => api.del(`${path}/${id}`),
  }
}
