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

export const AUDIT_ENTITIES = ['org', 'party_org', 'unit', 'user', 'token', 'person', 'household', 'party_member', 'cadre']

// Dictionary keys of the party organisation kinds (the API speaks the Chinese names).
export const PARTY_KIND_KEYS = {
  党委: 'committee',
  党工委: 'working_committee',
  党总支: 'general_branch',
  党支部: 'branch',
  联合党支部: 'joint_branch',
  党小组: 'group',
}

// ---- people ----

// The dashboard's people cards, in order (keys of `people` in /orgs/{id}/stats).
export const PEOPLE_FIGURE_KEYS = ['residents', 'households', 'party_members', 'in_service_registered']

// Where a people card leads.
export function peopleFigureRoute(orgId, key) {
  if (key.startsWith('tag.')) return { path: `/orgs/${orgId}/persons`, query: { tag: key.slice(4) } }
  if (key === 'households') return { path: `/orgs/${orgId}/households` }
  if (key === 'party_members') return { path: `/orgs/${orgId}/party-members` }
  if (key === 'party_members_formal') return { path: `/orgs/${orgId}/party-members`, query: { status: '正式' } }
  if (key === 'party_members_probationary') return { path: `/orgs/${orgId}/party-members`, query: { status: '预备' } }
  if (key === 'party_members_in_service' || key === 'in_service_registered') {
    return { path: `/orgs/${orgId}/party-members`, query: { in_service: '1' } }
  }
  return { path: `/orgs/${orgId}/persons` }
}

// Relations to the head of the household (the API speaks the Chinese words).
export const RELATIONS = ['户主', '配偶', '子女', '父母', '祖父母', '孙子女', '兄弟姐妹', '其他']
export const RELATION_KEYS = {
  户主: 'head',
  配偶: 'spouse',
  子女: 'child',
  父母: 'parent',
  祖父母: 'grandparent',
  孙子女: 'grandchild',
  兄弟姐妹: 'sibling',
  其他: 'other',
}

export const PARTY_STATUSES = ['正式', '预备']
export const PARTY_STATUS_KEYS = { 正式: 'formal', 预备: 'probationary' }

export const POSTS = ['书记', '主任', '两委委员', '网格员']
export const POST_KEYS = { 书记: 'secretary', 主任: 'director', 两委委员: 'committee', 网格员: 'grid_worker' }

// The coverage audit's findings, in the order they are shown.
export const COVERAGE_FINDINGS = [
  'households_without_grid',
  'grids_without_worker',
  'grids_without_party_branch',
  'communities_without_grids',
  'grids_without_outline',
  'buildings_outside_grid',
  'overlapping_grids',
]

