// Fixed vocabularies of the API (codes; their words are in the dictionary).
export const LEVELS = ['city', 'district', 'street', 'community', 'grid', 'building']

export const KINDS_BY_LEVEL = {
  city: ['city'],
  district: ['district', 'county', 'county_city'],
  street: ['street', 'town', 'township'],
  community: ['community', 'village'],
  grid: ['grid'],
  building: ['building'],
}

export function nextLevel(level) {
  const i = LEVELS.indexOf(level)
  return i >= 0 && i < LEVELS.length - 1 ? LEVELS[i + 1] : null
}

export function parentLevel(level) {
  const i = LEVELS.indexOf(level)
  return i > 0 ? LEVELS[i - 1] : null
}

export const FIGURE_KEYS = ['districts', 'streets', 'communities', 'villages', 'grids', 'buildings', 'party_orgs', 'units', 'users']

// Where a dashboard card leads: a page of the node, or its subtree filtered by level.
export function figureRoute(orgId, key) {
  const byLevel = { districts: 'district', streets: 'street', communities: 'community', villages: 'community', grids: 'grid', buildings: 'building' }
  if (key === 'party_orgs') return { path: `/orgs/${orgId}/party-orgs` }
  if (key === 'units') return { path: `/orgs/${orgId}/units` }
  if (key === 'users') return { path: `/orgs/${orgId}/users` }
  if (byLevel[key]) {
    return { path: `/orgs/${orgId}/detail`, query: { level: byLevel[key] } }
  }
  return { path: `/orgs/${orgId}` }
}

// The figure a bar chart of the children shows first, by the node's level.
export function defaultChartFigure(level) {
  return { city: 'communities', district: 'communities', street: 'communities', community: 'grids', grid: 'buildings' }[level] || 'party_orgs'
}

export const PARTY_KINDS = ['党委', '党工委', '党总支', '党支部', '联合党支部', '党小组']

export const UNIT_TYPES = ['agency', 'enterprise', 'non_public_enterprise', 'school', 'social_organisation']

export const AUDIT_ENTITIES = ['org', 'party_org', 'unit', 'user', 'token']

// Dictionary keys of the party organisation kinds (the API speaks the Chinese names).
export const PARTY_KIND_KEYS = {
  党委: 'committee',
  党工委: 'working_committee',
  党总支: 'general_branch',
  党支部: 'branch',
  联合党支部: 'joint_branch',
  党小组: 'group',
}
