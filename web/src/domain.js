// The console's view of the API's vocabularies. The values the API accepts (levels,
// unit types, party organisation kinds, statuses, posts, relations, case sources and
// ratings, ...) come from GET /api/v1/enums and the roles from GET /api/v1/roles
// (stores/enums.js); what stays here is how a value finds its words in the dictionary
// (the *_KEYS maps, for values the API speaks in Chinese) and the console's own rules.

// The kinds of node each level may hold (the node's kind, shown by the dictionary).
export const KINDS_BY_LEVEL = {
  city: ['city'],
  district: ['district', 'county', 'county_city'],
  street: ['street', 'town', 'township'],
  community: ['community', 'village'],
  grid: ['grid'],
  building: ['building'],
}

// A row's place (the API's `place`: the nodes of its path, root first) as words:
// the names from level `from` down, so places of the same name can be told apart
// (五里墩街道 / 龙居社区 / 第一网格). Empty when the row has none.
export function placeText(place, from = 'district') {
  const nodes = place || []
  const i = nodes.findIndex((p) => p.level === from)
  return nodes.slice(i < 0 ? 0 : i).map((p) => p.name).join(' / ')
}

// Where a row of a node's list is: on a page above the communities (city,
// district, street) its street and community, below that the node's own name.
export function rowPlace(row, pageLevel) {
  const wide = ['city', 'district', 'street'].includes(pageLevel)
  return (wide && placeText(row.place, 'street')) || row.org_name
}

// What the header's search box was given, by its shape: a whole ID number (18
// characters, the last may be X), a mobile number (11 digits from 1), a case's
// tracking code (C and 12 or 16 hex digits), or else a name or code to find.
// The fields of a report (CaseFields.vue) by the API's name, with the form's own name.
export const REPORT_FIELDS = { category: 'category', title: 'title', description: 'description', contact_phone: 'contactPhone' }

export function searchKind(text) {
  const s = text.trim()
  if (/^\d{17}[\dXx]$/.test(s)) return 'id_card'
  if (/^1\d{10}$/.test(s)) return 'phone'
  // A tracking code: C and ten of Crockford's base 32 (older: 12 or 16 hex digits), spaced or not.
  const code = s.replace(/[\s-]/g, '')
  if (/^[Cc]([0-9A-TV-Za-tv-z]{10}|[0-9A-Fa-f]{12}|[0-9A-Fa-f]{16})$/.test(code)) return 'code'
  return 'name'
}

// levels: the API's, top down (useEnums().values('levels')).
export function nextLevel(levels, level) {
  const i = levels.indexOf(level)
  return i >= 0 && i < levels.length - 1 ? levels[i + 1] : null
}

export function parentLevel(levels, level) {
  const i = levels.indexOf(level)
  return i > 0 ? levels[i - 1] : null
}

export const FIGURE_KEYS = ['districts', 'streets', 'communities', 'villages', 'grids', 'buildings', 'party_orgs', 'grid_party_orgs', 'units', 'users']

// Where a dashboard card leads: a page of the node, or its subtree filtered by level.
export function figureRoute(orgId, key) {
  const byLevel = { districts: 'district', streets: 'street', communities: 'community', villages: 'community', grids: 'grid', buildings: 'building' }
  if (key === 'party_orgs' || key === 'grid_party_orgs') return { path: `/orgs/${orgId}/party-orgs` }
  if (key === 'units') return { path: `/orgs/${orgId}/units` }
  if (key === 'users') return { path: `/orgs/${orgId}/users` }
  if (byLevel[key]) {
    return { path: `/orgs/${orgId}/detail`, query: { level: byLevel[key] } }
  }
  return { path: `/orgs/${orgId}` }
}

// The figure a bar chart of the children shows first, by the node's level: one
// that differs between the children (each district's communities, each street's
// grids, each grid's buildings, each building's residents).
export function defaultChartFigure(level) {
  return { city: 'communities', district: 'communities', street: 'grids', community: 'buildings', grid: 'people.residents' }[level] || 'party_orgs'
}

// The tree's levels, top down, and the level each count of nodes counts.
const LEVELS = ['city', 'district', 'street', 'community', 'grid', 'building']
const FIGURE_LEVEL = { districts: 'district', streets: 'street', communities: 'community', villages: 'community', grids: 'grid', buildings: 'building' }

// Whether a dashboard figure fits a node of this level: a count of nodes only
// when they lie below it (a grid shows its buildings, never 区县 0).
export function figureFits(level, key) {
  const of = FIGURE_LEVEL[key]
  return !of || !LEVELS.includes(level) || LEVELS.indexOf(of) > LEVELS.indexOf(level)
}

export const AUDIT_ENTITIES = ['org', 'party_org', 'unit', 'user', 'token', 'person', 'household', 'party_member', 'cadre', 'person_transfer']

// 迁入申请: how a refused registration came.
export const TRANSFER_VIAS = ['create', 'import', 'update']

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

export const PARTY_STATUS_KEYS = { 正式: 'formal', 预备: 'probationary' }

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


// ---- casework (一线为民) ----

// The moves out of each state of a case (src/core/casefsm.c; the states themselves
// come from GET /enums).
export const CASE_MOVES = {
  reported: ['accept', 'reject', 'merge'],
  accepted: ['dispatch'],
  dispatched: ['claim'],
  handling: ['handle'],
  handled: ['verify', 'return'],
  verified: ['close'],
  closed: ['rate'],
}
export const FINAL_STATES = ['rejected', 'closed', 'rated']
// The sources a case's reporter never chooses: a resident's report is one by who reports it.
export const SOURCES_NOT_CHOSEN = ['resident']
export const RATING_KEYS = { 满意: 'satisfied', 基本满意: 'fairly', 不满意: 'dissatisfied' }
// The category a resident asks for help under (定制帮).
export const HELP_CATEGORY = 'custom_help'
// 定制帮's codes among categories: custom_help and its kinds (its sub-categories, as the
// API lists them with parent_id, or as Open311 does with the top-level code as family).
export function helpCodes(categories) {
  const rootId = categories.find((k) => k.code === HELP_CATEGORY)?.id
  const inFamily = (k) => k.code === HELP_CATEGORY || k.family === HELP_CATEGORY || (rootId != null && k.parent_id === rootId)
  return new Set(categories.filter(inFamily).map((k) => k.code))
}
// The categories offered for a problem (help false) or for 定制帮 (help true): its kinds,
// or custom_help itself while it has none.
export function categoriesFor(categories, help) {
  const codes = helpCodes(categories)
  if (!help) return categories.filter((k) => !codes.has(k.code))
  const kinds = categories.filter((k) => codes.has(k.code) && k.code !== HELP_CATEGORY)
  return kinds.length ? kinds : categories.filter((k) => k.code === HELP_CATEGORY)
}

// The parts of GET /api/v1/inbox, in order.
export const INBOX_PARTS = ['to_accept', 'dispatched', 'overdue', 'escalated', 'supervised', 'to_verify', 'to_rate']

// The indicators of GET /api/v1/orgs/{id}/casework shown as cards.
export const CASEWORK_RATES = ['closure_rate', 'on_time_closure_rate', 'on_time_handling_rate', 'rework_rate', 'satisfaction_rate']
export const CASEWORK_COUNTS = ['due', 'closed', 'overdue_now']
export const STAGE_STATES = ['reported', 'accepted', 'dispatched', 'handling', 'handled', 'verified', 'closed']

// The levels whose staff supervise (督办).
const SUPERVISING_LEVELS = ['city', 'district', 'street']

// Escalated (吹哨) in the current stage: 0 none, 1 to the street, 2 to the district (the API's own field).
export function escalationLevel(c) {
  return c.escalation_level || 0
}

// The moves the user may make on the case now, by the rules of src/api/case_action.c:
// casePerms are the user's permissions at the case's node, handlerPerms at the
// node it was dispatched to (a unit's node for a unit).
export function caseActions(c, user, casePerms, handlerPerms) {
  const staff = casePerms.includes('case.write')
  const reporter = c.reporter_id === user.id
  const notHandler = c.handler_user_id !== user.id
  const may = {
    accept: staff,
    reject: staff,
    merge: staff,
    dispatch: staff,
    close: staff,
    claim: handlerPerms.includes('case.write'),
    handle: handlerPerms.includes('case.write'),
    verify: (staff || reporter) && notHandler,
    return: (staff || reporter) && notHandler,
    rate: reporter,
  }
  return (CASE_MOVES[c.state] || []).filter((a) => may[a])
}

// Supervision (督办): staff at street level or above over the case, while it is open.
// caseWriteRoles: the roles whose grants carry case.write (useEnums().rolesWith('case.write')).
export function canSupervise(c, user, casePerms, caseWriteRoles) {
  if (FINAL_STATES.includes(c.state) || !casePerms.includes('case.write')) return false
  return (user.grants || []).some((g) => caseWriteRoles.includes(g.role) && (g.org_id == null || SUPERVISING_LEVELS.includes(g.org_level)))
}

// Where a casework figure leads: the case list behind it, when there is one.
// Only "overdue now" has one: the others count the cases due in a period,
// which the case list cannot filter by.
export function caseworkRoute(orgId, key) {
  return key === 'overdue_now' ? { path: `/orgs/${orgId}/cases`, query: { overdue: '1' } } : null
}

// A calendar day N months or weeks before today's bucket start, in Shanghai, as RFC 3339.
export function trendStarts(bucket, n, now = new Date()) {
  const sh = new Date(now.getTime() + 8 * 3600_000) // Shanghai wall time in the UTC fields
  let y = sh.getUTCFullYear()
  let m = sh.getUTCMonth()
  let d = sh.getUTCDate()
  if (bucket === 'week') d -= (sh.getUTCDay() + 6) % 7 // back to Monday
  else d = 1
  const at = (k) => {
    const t = bucket === 'week' ? new Date(Date.UTC(y, m, d + 7 * k)) : new Date(Date.UTC(y, m + k, 1))
    return `${t.toISOString().slice(0, 10)}T00:00:00+08:00`
  }
  return { from: at(-(n - 1)), to: at(1) }
}

// 责任落实 on the dashboard: the families, the figures shown of each (the answer of
// GET /responsibility-figures names them), the rates among them, and the list each
// figure leads to for a node and year (the console's pages, filtered by the address).
export const RESPONSIBILITY_MODULES = [
  { key: 'duty', perm: 'party.read', figures: ['lists', 'lists_signed', 'items', 'items_done', 'items_overdue'] },
  { key: 'problem', perm: 'party.read', figures: ['problems', 'open', 'overdue', 'closed', 'closure_rate', 'repeated'] },
  { key: 'inspection', perm: 'party.read', figures: ['inspections', 'daily', 'open', 'covert', 'items_failed', 'findings'] },
  { key: 'notice', perm: 'stats.read', figures: ['receipts', 'unread', 'unreplied', 'overdue'] },
  { key: 'review', perm: 'stats.read', figures: ['reporters', 'voted', 'turnout', 'good', 'fairly_good', 'average', 'poor', 'ungraded'] },
  { key: 'assessment', perm: 'stats.read', figures: ['total', 'party_building', 'development', 'bonus', 'rank', 'grade', 'vetoed', 'barred'] },
  // ---- 结对共建 and purchased services ----
  { key: 'pairing', perm: 'party.read', figures: ['pairings', 'items', 'items_done', 'items_overdue', 'completion_rate'] },
  { key: 'contract', perm: 'people.read', figures: ['contracts', 'beneficiaries', 'contracted_visits', 'delivered_visits', 'visit_rate', 'satisfaction'] },
  // ---- volunteer and service teams ----
  { key: 'volunteer', perm: 'party.read', figures: ['teams', 'volunteers', 'activities', 'verified_hours'] },
  { key: 'enterprise_visit', perm: 'party.read', figures: ['enterprises', 'visited_this_month', 'visit_rate', 'visits', 'cases'] },
  // ---- 双报到 ----
  { key: 'service_report', perm: 'party.read', figures: ['members_active', 'members_pending', 'hours_verified', 'cards_sent', 'cards_acknowledged', 'cards_acknowledged_rate'] },
  // service posts and 微心愿 (claims)
  { key: 'claims', perm: 'party.read', figures: ['posts', 'post_claims', 'post_fill_rate', 'wishes_published', 'fulfilled_in_year', 'fulfil_days_median'] },
  // ---- 组织生活 (party life) ----
  { key: 'party_meeting', perm: 'party.read', figures: ['meetings', 'held_branch_assembly', 'held_committee', 'held_lecture', 'held_theme_day', 'orgs_judged', 'orgs_behind', 'attendance_rate'] },
  { key: 'dues', perm: 'stats.read', figures: ['due_fen', 'paid_fen', 'collected_rate', 'members_in_arrears', 'members_undeclared', 'extra_upward'] },
  { key: 'party_transfer', perm: 'party.read', figures: ['pending_out', 'pending_in', 'expired_out', 'completed_out', 'completed_in'] },
  { key: 'party_development', perm: 'party.read', figures: ['stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'applications', 'admitted', 'converted'] },
  { key: 'member_eval', perm: 'party.read', figures: ['rounds', 'rounds_closed', 'graded', 'excellent', 'qualified', 'basic', 'unqualified', 'excellent_rate'] },
]
export const RESPONSIBILITY_RATES = ['closure_rate', 'turnout', 'completion_rate', 'visit_rate', 'cards_acknowledged_rate', 'post_fill_rate', 'collected_rate', 'excellent_rate', 'orgs_behind_rate', 'attendance_rate']
// Figures in fen, shown in yuan.
export const RESPONSIBILITY_FEN = ['due_fen', 'paid_fen', 'extra_fen']

// The page behind a figure of the node orgId (f: its figures); null when none
// (an assessment figure of a node no published run covers).
export function responsibilityRoute(orgId, module, key, year, f) {
  const y = String(year)
  switch (module) {
    case 'assessment':
      // The unit's result and the indicator tree behind it in the published run.
      return f?.run_id ? { path: `/assessment-runs/${f.run_id}/results/${orgId}` } : null
    case 'duty':
      return { path: `/orgs/${orgId}/duties`, query: { year: y } }
    case 'problem':
      if (key === 'closed') return { path: `/orgs/${orgId}/problems`, query: { year: y, state: 'closed' } }
      if (key === 'overdue') return { path: `/orgs/${orgId}/problems`, query: { year: y, overdue: '1' } }
      return { path: `/orgs/${orgId}/problems`, query: { year: y } }
    case 'inspection':
      if (['daily', 'open', 'covert'].includes(key)) return { path: `/orgs/${orgId}/inspections`, query: { year: y, type: key } }
      return { path: `/orgs/${orgId}/inspections`, query: { year: y } }
    case 'notice':
      return { path: `/orgs/${orgId}/notices`, query: { box: 'issued' } }
    case 'pairing':
      if (key === 'items_overdue') return { path: `/orgs/${orgId}/pairings`, query: { year: y, overdue: '1' } }
      return { path: `/orgs/${orgId}/pairings`, query: { year: y } }
    case 'contract':
      return { path: `/orgs/${orgId}/contracts`, query: { year: y } }
    case 'volunteer':
      return { path: `/orgs/${orgId}/volunteers` }
    case 'enterprise_visit':
      return { path: `/orgs/${orgId}/enterprise-visits` }
    case 'service_report':
      return { path: `/orgs/${orgId}/service-reports` }
    case 'dues':
      return { path: `/orgs/${orgId}/${key === 'members_in_arrears' ? 'dues-arrears' : key === 'members_undeclared' ? 'dues-declarations' : 'dues-report'}` }
    case 'party_transfer':
      return { path: `/orgs/${orgId}/party-transfers` }
    case 'party_meeting':
      return { path: `/orgs/${orgId}/party-meetings` }
    case 'party_development':
      return { path: `/orgs/${orgId}/party-development` }
    case 'member_eval':
      return { path: `/orgs/${orgId}/member-evaluation`, query: { year: y } }
    case 'claims':
      return null // the posts and wishes have no console list yet (docs/service-claims.md)
    default:
      return { path: `/orgs/${orgId}/reviews`, query: { year: y } }
  }
}
