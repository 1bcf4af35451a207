// 驻村工作队 (work teams, members, attendance, 民情日记), village analyses and the
// poverty ledger (建档立卡户: incomes, exit, return, visits, reveal): docs/work-teams.md.
import { api, download } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const workTeams = {
  // {items, next, total}: ?org=&year=&complete=0|1&sort=
  list: (query) => api.get('/work-teams', query),
  get: (id) => api.get(`/work-teams/${id}`),
  create: (body, k) => api.post('/work-teams', body, key(k)),
  // The team with members_list.
  members: (id) => api.get(`/work-teams/${id}/members`),
  // body: {person_id, role, unit_level?, unit_id?, unit_name?}
  addMember: (id, body, k) => api.post(`/work-teams/${id}/members`, body, key(k)),
  removeMember: (memberId) => api.del(`/work-team-members/${memberId}`),
  // {items: [{member_id, name, role, month, year, days, short}], days_min: {year: n|null}}
  attendance: (id, year) => api.get(`/work-teams/${id}/attendance`, { year }),
  // body: {member_id, month: 'YYYY-MM', days}
  recordAttendance: (id, body, k) => api.post(`/work-teams/${id}/attendance`, body, key(k)),
  visits: (id) => api.get(`/work-teams/${id}/visits`),
  // body: {member_id?, kind, visited_on, note}
  addVisit: (id, body, k) => api.post(`/work-teams/${id}/visits`, body, key(k)),
  exportFile: (query) => download('/work-teams/export', query, 'work-teams.xlsx'),
}

export const villageAnalyses = {
  list: (query) => api.get('/village-analyses', query),
  create: (body, k) => api.post('/village-analyses', body, key(k)),
  // body: {problems?, advantages?, funds_sought?, projects?, version}
  update: (id, body) => api.patch(`/village-analyses/${id}`, body),
}

export const povertyHouseholds = {
  // {items, next, total}: ?org=&status=&attribute=&cause=&sort=
  list: (query) => api.get('/poverty-households', query),
  create: (body, k) => api.post('/poverty-households', body, key(k)),
  // {items: incomes by year with line and above, changes, household}
  history: (id) => api.get(`/poverty-households/${id}/incomes`),
  // body: {year, per_capita}
  recordIncome: (id, body, k) => api.post(`/poverty-households/${id}/incomes`, body, key(k)),
  // body: {on, food_clothing, housing, education, medical_insurance, note?, version}
  exit: (id, body, k) => api.post(`/poverty-households/${id}/exit`, body, key(k)),
  // body: {on, note?, version}
  returned: (id, body, k) => api.post(`/poverty-households/${id}/return`, body, key(k)),
  visits: (id) => api.get(`/poverty-households/${id}/visits`),
  addVisit: (id, body, k) => api.post(`/poverty-households/${id}/visits`, body, key(k)),
  exportFile: (query) => download('/poverty-households/export', query, 'poverty-households.xlsx'),
}
