// 双报到: units' and members' reports to a community, service records, quarterly
// service cards to the employer's party organisation, the member's own page and
// the figures (docs/service-report.md).
import { api, download } from './client.js'

const key = (k) => (k ? { idempotencyKey: k } : {})

export const memberReports = {
  // {items, next, total}: ?org=&state=&person_id=&employer_party_org_id=&sort=
  list: (query) => api.get('/member-reports', query),
  get: (id) => api.get(`/member-reports/${id}`),
  // body: {org_id, employer_party_org_id, employer_unit_id?, skills?, preferred_grid_id?, preferred_team?, person_id?}
  create: (body, k) => api.post('/member-reports', body, key(k)),
  // body: {action: receive|decline|withdraw|leave|cancel, reason?, version}
  move: (id, body, k) => api.post(`/member-reports/${id}/moves`, body, key(k)),
  export: (query) => download('/member-reports/export', query, 'member-reports.xlsx'),
}

export const serviceRecords = {
  list: (query) => api.get('/service-records', query),
  // body: {served_on, start_min, end_min, content, person_id?}
  create: (body, k) => api.post('/service-records', body, key(k)),
  verify: (id, version, k) => api.post(`/service-records/${id}/verify`, { version }, key(k)),
  rate: (id, rating, version, k) => api.post(`/service-records/${id}/rating`, { rating, version }, key(k)),
  export: (query) => download('/service-records/export', query, 'service-records.xlsx'),
}

export const serviceCards = {
  // ?org=&addressed=1&party_org_id=&year=&quarter=&acknowledged=
  list: (query) => api.get('/service-cards', query),
  get: (id) => api.get(`/service-cards/${id}`),
  // body: {report_id, year, quarter, grade, comment?}
  create: (body, k) => api.post('/service-cards', body, key(k)),
  acknowledge: (id, body, k) => api.post(`/service-cards/${id}/acknowledge`, body, key(k)),
  export: (query) => download('/service-cards/export', query, 'service-cards.xlsx'),
}

export const unitReports = {
  list: (query) => api.get('/unit-reports', query),
  get: (id) => api.get(`/unit-reports/${id}`),
  create: (body, k) => api.post('/unit-reports', body, key(k)),
  receive: (id, version, k) => api.post(`/unit-reports/${id}/receive`, { version }, key(k)),
  export: (query) => download('/unit-reports/export', query, 'unit-reports.xlsx'),
}

// The caller's own 双报到 (我的报到): member, reports, records, status against the norm, cards.
export const myService = (year) => api.get('/my/service', year ? { year } : undefined)

// {org_id, year, units_reported, members_active, ..., children: [...]}
export const serviceReportFigures = (org, year) => api.get('/service-report-figures', { org, year })

// Minutes of the day as HH:MM, and back.
export const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
export const minutesOf = (s) => (/^\d{2}:\d{2}$/.test(s || '') ? Number(s.slice(0, 2)) * 60 + Number(s.slice(3)) : null)
