// 党费 dues: declarations, the month's sheet (payments), extra payments, the
// branch's decisions, the arrears list, the monthly report, the member's own.
import { api, download } from './client.js'
import { resource } from './resource.js'

// {items, next, total}: ?org=&year=&category=&party_org=&person_id=&sort=
export const duesDeclarations = resource('/dues-declarations')

export const duesMonths = {
  // {items, next, total}: ?org=&party_org=&month=&person_id=&state=&sort=
  ...resource('/dues-months'),
  exportFile: (query) => download('/dues-months/export', query, 'dues-months.xlsx'),
}

// Open a branch's month: {party_org_id, month, added, rows}.
export const openDuesSheet = (partyOrg, month) => api.post('/dues-sheets', { party_org_id: partyOrg, month })

export const duesExtras = resource('/dues-extras')
export const duesDecisions = resource('/dues-decisions')

// {months_min, items: [{person_id, member_name, party_org_name, months, from, to, owed_fen, decision, decided_on}]}
export const duesArrears = (org, partyOrg) => api.get('/dues-arrears', { org, party_org: partyOrg || undefined })

export const duesReport = {
  get: (org, month) => api.get('/dues-report', { org, month }),
  exportFile: (org, month) => download('/dues-report/export', { org, month }, `dues-${month}.xlsx`),
}

export const myDues = (year) => api.get('/my/dues', year ? { year } : undefined)
