// Attachments: the files of a record (a duty item, a notice or a reply to it, a 述职
// report, an inspection), one store for all of them (docs/attachments.md).
import { BASE, api, download, upload } from './client.js'

export const attachments = {
  // owner: duty_item, notice, notice_receipt, review_reporter or inspection.
  list: (owner, ownerId) => api.get('/attachments', { owner, owner_id: ownerId }),
  // The file as the body; its type is read from its bytes by the API.
  add: (owner, ownerId, file) =>
    upload('/attachments', { owner, owner_id: ownerId, name: file.name }, file, 'application/octet-stream'),
  remove: (id) => api.del(`/attachments/${id}`),
  // Fetched with the session and saved under its name.
  download: (f) => download(`/attachments/${f.id}`, undefined, f.name),
  // An image's address, for a thumbnail (the session cookie goes with it).
  url: (id) => `${BASE}/attachments/${id}`,
}
