// The pages of a node of the tree (/orgs/:id/...), in the order of its tabs: the
// route's name and path, its page, the permission it needs at the node (none: any
// user of the tree) and its tab's dictionary key. router.js makes the routes of
// them, views/orgs/OrgShell.vue the tabs, and stores/session.js whether the user
// has any page of the tree; so a page's permission is written here only.
export const ORG_PAGES = [
  { name: 'org-dashboard', path: '', page: () => import('./views/orgs/Dashboard.vue'), perm: 'stats.read', tab: 'dashboard', otherwise: 'org-detail' },
  { name: 'org-detail', path: 'detail', page: () => import('./views/orgs/OrgDetail.vue'), tab: 'detail' },
  { name: 'org-map', path: 'map', page: () => import('./views/orgs/OrgMap.vue'), tab: 'map' },
  { name: 'org-persons', path: 'persons', page: () => import('./views/people/Persons.vue'), perm: 'people.read', tab: 'persons' },
  { name: 'org-households', path: 'households', page: () => import('./views/people/Households.vue'), perm: 'people.read', tab: 'households' },
  { name: 'org-transfers', path: 'transfers', page: () => import('./views/people/PersonTransfers.vue'), perm: 'people.write', tab: 'transfers' },
  { name: 'org-party-orgs', path: 'party-orgs', page: () => import('./views/party/PartyOrgs.vue'), perm: 'party.read', tab: 'partyOrgs' },
  { name: 'org-party-members', path: 'party-members', page: () => import('./views/party/PartyMembers.vue'), perm: 'party.read', tab: 'partyMembers' },
  { name: 'org-cadres', path: 'cadres', page: () => import('./views/people/Cadres.vue'), perm: 'people.read', tab: 'cadres' },
  { name: 'org-units', path: 'units', page: () => import('./views/units/Units.vue'), perm: 'unit.read', tab: 'units' },
  { name: 'org-coverage', path: 'coverage', page: () => import('./views/orgs/Coverage.vue'), perm: 'people.read', tab: 'coverage' },
  { name: 'org-cases', path: 'cases', page: () => import('./views/cases/Cases.vue'), perm: 'case.read', tab: 'cases' },
  { name: 'org-norms', path: 'norms', page: () => import('./views/norms/Norms.vue'), perm: 'stats.read', tab: 'norms' },
  // ---- duty lists (责任清单) ----
  { name: 'org-duties', path: 'duties', page: () => import('./views/duties/DutyLists.vue'), perm: 'party.read', tab: 'duties' },
  // ---- end duty lists ----
  // ---- rectification problems (问题清单) and inspections ----
  { name: 'org-problems', path: 'problems', page: () => import('./views/rectification/Problems.vue'), perm: 'party.read', tab: 'problems' },
  { name: 'org-inspections', path: 'inspections', page: () => import('./views/rectification/Inspections.vue'), perm: 'party.read', tab: 'inspections' },
  // ---- end rectification problems ----
  // notices (调度通报)
  { name: 'org-notices', path: 'notices', page: () => import('./views/notices/Notices.vue'), perm: 'stats.read', tab: 'notices' },
  // ---- 述职评议 ----
  { name: 'org-reviews', path: 'reviews', page: () => import('./views/review/Reviews.vue'), perm: 'stats.read', tab: 'reviews' },
  // ---- 年度综合考核 ----
  { name: 'org-assessment', path: 'assessment', page: () => import('./views/assessment/AssessmentPlans.vue'), perm: 'stats.read', tab: 'assessment' },
  // ---- 结对共建 and purchased services (partner) ----
  { name: 'org-pairings', path: 'pairings', page: () => import('./views/partner/Pairings.vue'), perm: 'party.read', tab: 'pairings' },
  { name: 'org-contracts', path: 'contracts', page: () => import('./views/partner/Contracts.vue'), perm: 'people.read', tab: 'contracts' },
  // ---- end 结对共建 and purchased services ----
  // ---- 村/社区干部报酬 (pay) ----
  { name: 'org-pay', path: 'pay', page: () => import('./views/pay/Pay.vue'), perm: 'people.read', tab: 'pay' },
  // ---- end 村/社区干部报酬 ----
  // ---- volunteer and service teams ----
  { name: 'org-volunteers', path: 'volunteers', page: () => import('./views/teams/Volunteers.vue'), perm: 'party.read', tab: 'volunteers' },
  { name: 'org-enterprise-visits', path: 'enterprise-visits', page: () => import('./views/teams/EnterpriseVisits.vue'), perm: 'party.read', tab: 'enterpriseVisits' },
  // ---- 双报到 ----
  { name: 'org-service-reports', path: 'service-reports', page: () => import('./views/service/ServiceReports.vue'), perm: 'party.read', tab: 'serviceReports' },
  // ---- service posts and 微心愿 ----
  { name: 'org-service-posts', path: 'service-posts', page: () => import('./views/claims/ServicePosts.vue'), perm: 'party.read', tab: 'servicePosts' },
  { name: 'org-wishes', path: 'wishes', page: () => import('./views/claims/Wishes.vue'), perm: 'people.read', tab: 'wishes' },
  // ---- 数说基层 ----
  { name: 'org-figures', path: 'figures', page: () => import('./views/figures/Figures.vue'), perm: 'stats.read', tab: 'figures' },
  // ---- 村级集体经济 ----
  { name: 'org-village-economy', path: 'village-economy', page: () => import('./views/village/VillageEconomy.vue'), perm: 'stats.read', tab: 'villageEconomy' },
  // ---- end 村级集体经济 ----
  // ---- 党建品牌 and 荣誉 ----
  { name: 'org-honours', path: 'honours', page: () => import('./views/honours/Honours.vue'), perm: 'party.read', tab: 'honours' },
  // ---- end 党建品牌 and 荣誉 ----
  // ---- 区域化党建联盟 (alliance) ----
  { name: 'org-alliances', path: 'alliances', page: () => import('./views/alliance/Alliances.vue'), perm: 'party.read', tab: 'alliances' },
  // ---- end 区域化党建联盟 ----
  // ---- work teams and poverty ledger ----
  { name: 'org-work-teams', path: 'work-teams', page: () => import('./views/workteam/WorkTeams.vue'), perm: 'stats.read', tab: 'workTeams' },
  { name: 'org-poverty', path: 'poverty', page: () => import('./views/workteam/Poverty.vue'), perm: 'people.read', tab: 'poverty' },
  // ---- end work teams and poverty ledger ----
  // ---- venues and operating funds ----
  { name: 'org-venues', path: 'venues', page: () => import('./views/venues/Venues.vue'), perm: 'stats.read', tab: 'venues' },
  { name: 'org-funds', path: 'funds', page: () => import('./views/venues/Funds.vue'), perm: 'stats.read', tab: 'funds' },
  // ---- end venues and operating funds ----
  // ---- 组织生活: party development ----
  { name: 'org-party-development', path: 'party-development', page: () => import('./views/partydev/PartyDevelopment.vue'), perm: 'party.read', tab: 'partyDevelopment' },
  // ---- end 组织生活: party development ----
  // ---- 组织生活: party transfers ----
  { name: 'org-party-transfers', path: 'party-transfers', page: () => import('./views/partylife/PartyTransfers.vue'), perm: 'party.read', tab: 'partyTransfers' },
  // ---- end 组织生活: party transfers ----
  // ---- 组织生活: 民主评议党员 ----
  { name: 'org-member-evaluation', path: 'member-evaluation', page: () => import('./views/partylife/MemberEvaluation.vue'), perm: 'party.read', tab: 'memberEvaluation' },
  // ---- end 组织生活: 民主评议党员 ----
  // ---- 组织生活: dues ----
  { name: 'org-dues-declarations', path: 'dues-declarations', page: () => import('./views/dues/DuesDeclarations.vue'), perm: 'stats.read', tab: 'duesDeclarations' },
  { name: 'org-dues-sheet', path: 'dues-sheet', page: () => import('./views/dues/DuesSheet.vue'), perm: 'stats.read', tab: 'duesSheet' },
  { name: 'org-dues-arrears', path: 'dues-arrears', page: () => import('./views/dues/DuesArrears.vue'), perm: 'stats.read', tab: 'duesArrears' },
  { name: 'org-dues-report', path: 'dues-report', page: () => import('./views/dues/DuesReport.vue'), perm: 'stats.read', tab: 'duesReport' },
  // ---- end 组织生活: dues ----
  // ---- 组织生活: 三会一课 ----
  { name: 'org-party-meetings', path: 'party-meetings', page: () => import('./views/partylife/PartyMeetings.vue'), perm: 'party.read', tab: 'partyMeetings' },
  // ---- end 组织生活: 三会一课 ----
  { name: 'org-users', path: 'users', page: () => import('./views/system/Users.vue'), perm: 'user.read', tab: 'users' },
]

// The permissions of the tree's pages: a user holding none has no page of the tree
// (a resident: their console is their own cases and reports).
export const ORG_PAGE_PERMS = [...new Set(ORG_PAGES.map((p) => p.perm).filter(Boolean))]
