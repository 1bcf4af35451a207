// 年度综合考核 (docs/assessment.md): plans of an issuing node per year and target
// class, their indicator tree, the values entered by the scoring department, the
// computed versions (runs) with their ranking and each unit's result tree, the
// adjustments of a run not yet published, and the publish that freezes it.
import { api, download } from './client.js'
import { resource } from './resource.js'

export const assessPlans = {
  ...resource('/assessment-plans'),
  indicators: (id) => api.get(`/assessment-plans/${id}/indicators`),
  addIndicator: (id, body) => api.post(`/assessment-plans/${id}/indicators`, body),
  entries: (id, query) => api.get(`/assessment-plans/${id}/entries`, query),
  enter: (id, body) => api.put(`/assessment-plans/${id}/entries`, body),
  runs: (id) => api.get(`/assessment-plans/${id}/runs`),
  compute: (id, key) => api.post(`/assessment-plans/${id}/runs`, {}, key ? { idempotencyKey: key } : {}),
}

export const assessIndicators = {
  update: (id, body) => api.patch(`/assessment-indicators/${id}`, body),
  remove: (id) => api.del(`/assessment-indicators/${id}`),
}

export const assessRuns = {
  get: (id) => api.get(`/assessment-runs/${id}`),
  publish: (id) => api.post(`/assessment-runs/${id}/publish`),
  // The ranking: one page of the run's results ({run, sort, org, limit, after}).
  results: ({ run, ...query }) => api.get(`/assessment-runs/${run}/results`, query),
  result: (id, orgId) => api.get(`/assessment-runs/${id}/results/${orgId}`),
  adjust: (id, body) => api.put(`/assessment-runs/${id}/adjustments`, body),
  // The ranking as an Excel workbook.
  exportFile: (id, filename) => download(`/assessment-runs/${id}/export`, undefined, filename),
}

export const assessSources = () => api.get('/assessment-sources')
