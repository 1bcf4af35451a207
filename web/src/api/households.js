// Households (户), and the list as a workbook (with each one's community, grid and building).
import { download } from './client.js'
import { resource } from './resource.js'

export const households = {
  ...resource('/households'),
  exportFile: (query) => download('/households/export', query, 'households.xlsx'),
}
