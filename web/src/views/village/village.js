// 村级集体经济's words and rules on the console's side: the bands (as the
// village.income_bands norm names them, strongest first), the list's filters,
// the measures' vocabulary (src/api/village.c), a band from a norm's value.
import { ref } from 'vue'
import { orgs } from '../../api/orgs.js'

export const BANDS = ['strong', 'general', 'weak', 'shell']
export const BAND_FILTERS = [...BANDS, 'unclassified']
export const CHANGES = ['entered_shell', 'left_shell']
export const MEASURES = ['asset_integration', 'land_transfer', 'photovoltaic', 'property_leasing', 'rural_tourism', 'other']

// The band operating income takes under a bands norm's value ([{grade, min}],
// falling), or null when no norm applies: what the API will answer.
export function bandOf(bands, income) {
  if (!Array.isArray(bands)) return null
  return bands.find((b) => income >= Math.ceil(b.min))?.grade ?? null
}

// Entered or left the shell band since the village's previous year (both classified).
export function changeOf(row) {
  if (!row.band || !row.prev_band) return ''
  if (row.band === 'shell' && row.prev_band !== 'shell') return 'entered_shell'
  if (row.prev_band === 'shell' && row.band !== 'shell') return 'left_shell'
  return ''
}

const TAGS = { strong: 'success', general: 'primary', weak: 'warning', shell: 'danger' }
export const bandTag = (band) => TAGS[band] || 'info'

export const yuan = (v) => `¥${Number(v || 0).toLocaleString('zh-CN')}`

// The villages under a node for a dialog's remote select: villages, loading and
// search(q) (the first 50 whose name matches).
export function useVillageSearch(org) {
  const villages = ref([])
  const loading = ref(false)
  async function search(q) {
    loading.value = true
    try {
      const found = (await orgs.list({ org: org().id, level: 'community', q: q || undefined, limit: 50 })).items
      villages.value = found.filter((o) => o.kind === 'village')
    } finally {
      loading.value = false
    }
  }
  return { villages, loading, search }
}
