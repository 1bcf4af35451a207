// Volunteer and service teams (docs/teams.md): teams and members, volunteer
// activities with their check-in code, volunteers' hours and certificates, and
// the service teams' visits to non-public enterprises.
import { api, download } from './client.js'
import { resource } from './resource.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const teams = {
  ...resource('/teams'),
  members: (query) => api.get('/team-members', query),
  addMember: (teamId, body, k) => api.post(`/teams/${teamId}/members`, body, key(k)),
  removeMember: (memberId) => api.del(`/team-members/${memberId}`),
  export: (query) => download('/teams/export', query, 'teams.xlsx'),
}

export const activities = {
  list: (query) => api.get('/volunteer-activities', query),
  get: (id) => api.get(`/volunteer-activities/${id}`),
  // body: {team_id, title, place, starts_at, ends_at (RFC 3339), capacity}; the answer carries the token
  create: (body, k) => api.post('/volunteer-activities', body, key(k)),
  // body: {} for the caller themself, {person_id} for staff
  signup: (id, body, k) => api.post(`/volunteer-activities/${id}/signups`, body, key(k)),
  // body: {} every checked-out sign-up, {person_id} one person's
  verify: (id, body, k) => api.post(`/volunteer-activities/${id}/verify`, body, key(k)),
  export: (query) => download('/volunteer-activities/export', query, 'volunteer-activities.xlsx'),
}

// The check-in code's page: the activity and the caller's state; a scan checks in, then out.
export const checkin = {
  get: (token) => api.get('/activity-checkin', { token }),
  scan: (token, k) => api.post('/activity-checkin', { token }, key(k)),
}

export const volunteers = {
  list: (query) => api.get('/volunteers', query),
  get: (personId) => api.get(`/volunteers/${personId}`),
  mine: () => api.get('/my-volunteer'),
  certificate: (personId) => download(`/volunteers/${personId}/certificate`, {}, `volunteer-hours-${personId}.pdf`),
  export: (query) => download('/volunteers/export', query, 'volunteers.xlsx'),
}
export const volunteerFigures = (org, year) => api.get('/volunteer-figures', { org, year })

export const visits = {
  list: (query) => api.get('/enterprise-visits', query),
  get: (id) => api.get(`/enterprise-visits/${id}`),
  create: (body, k) => api.post('/enterprise-visits', body, key(k)),
  // body: {category, title?, description?}: the visit's problems as a case
  toCase: (id, body, k) => api.post(`/enterprise-visits/${id}/case`, body, key(k)),
  unvisited: (query) => api.get('/enterprise-visits/unvisited', query),
  export: (query) => download('/enterprise-visits/export', query, 'enterprise-visits.xlsx'),
  exportUnvisited: (query) => download('/enterprise-visits/unvisited/export', query, 'unvisited-enterprises.xlsx'),
}
export const visitFigures = (org, year) => api.get('/enterprise-visit-figures', { org, year })
