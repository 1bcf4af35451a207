// 村/社区干部报酬: pay records (with their standard), benchmarks, a node's figures.
import { api, download } from './client.js'
import { resource } from './resource.js'

export const payRecords = {
  ...resource('/pay-records'),
  // {items, next, total}: ?org=&year=&post=&post_group=&below=true&person=
  list: (query) => api.get('/pay-records', query),
  exportFile: (query) => download('/pay-records/export', query, 'pay-records.xlsx'),
}

// Benchmarks of a county, district or the city by year (civil_servant_pay, rural_income).
export const payBenchmarks = resource('/pay-benchmarks')

// {org_id, year, groups: {community_secretary, village_head}, posts, checked, below, below_gap,
//  compliance_rate, series}: from the node's kept figures.
export const payFigures = (org, year) => api.get('/pay-figures', { org, year })
