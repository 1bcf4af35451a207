// For someone without an account: the categories, a report, following it by code.
import { api, publicCategories } from './client.js'

export const publicCases = {
  categories: () => publicCategories(),
  report: (body) => api.post('/public/cases', body),
  follow: (code) => api.get('/public/cases', { code }),
}
