// Venues (党群服务中心/阵地) and operating funds (运转经费) of communities and villages.
import { api, download } from './client.js'
import { resource } from './resource.js'

export const venues = {
  // {items, next, total}: ?org=&year=&kind=&below=true&sort=
  ...resource('/venues'),
  exportFile: (query) => download('/venues/export', query, 'venues.xlsx'),
}

export const operatingFunds = {
  // {items, next, total}: ?org=&year=&kind=&tier=&population_source=&sort=
  ...resource('/operating-funds'),
  exportFile: (query) => download('/operating-funds/export', query, 'operating-funds.xlsx'),
}

// The kept yearly figures of a node: [{year, figure, total}] of those starting with prefix.
export const yearFigures = (org, prefix, year) => api.get(`/orgs/${org}/year-figures`, { prefix, year })
