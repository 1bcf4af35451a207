// Meetings of party organisations (三会一课, docs/party-meetings.md): the
// meetings, a meeting's roll and quorum, compliance by period, the sign-in
// code's page and the member's own meetings.
import { api } from './client.js'
import { resource } from './resource.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const KINDS = ['branch_assembly', 'committee', 'group', 'lecture', 'theme_day', 'life_meeting']
export const ATTENDANCE = ['present', 'leave', 'absent']

export const partyMeetings = {
  // {items, next, total}: ?org=&party_org=&kind=&year=&sort=held_on
  ...resource('/party-meetings'),
  // {items: [{person_id, name, full_member, status, reason, signed_at}], counts, quorum, token, can_write}
  roll: (id) => api.get(`/party-meetings/${id}/attendance`),
  mark: (id, body, k) => api.post(`/party-meetings/${id}/attendance`, body, key(k)),
  // {items: [{id, name, kind, org_name, members, norm, missed, kinds: [{kind, per_year, held, missed, periods}]}], next, year, months_ended}
  compliance: (query) => api.get('/party-meetings/compliance', query),
  figures: (org, year) => api.get('/party-meeting-figures', { org, year }),
}

// The sign-in code's page: the meeting and the caller's line; signing in marks them present.
export const meetingCheckin = {
  get: (token) => api.get('/meeting-checkin', { token }),
  signIn: (token, k) => api.post('/meeting-checkin', { token }, key(k)),
}

export const myMeetings = () => api.get('/my/meetings')
