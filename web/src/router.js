import { createRouter, createWebHistory } from 'vue-router'
import { useSession } from './stores/session.js'

const Login = () => import('./views/Login.vue')
const Layout = () => import('./views/Layout.vue')
const Home = () => import('./views/Home.vue')
const OrgShell = () => import('./views/OrgShell.vue')
const Dashboard = () => import('./views/Dashboard.vue')
const OrgDetail = () => import('./views/OrgDetail.vue')
const PartyOrgs = () => import('./views/PartyOrgs.vue')
const Units = () => import('./views/Units.vue')
const Users = () => import('./views/Users.vue')
const Persons = () => import('./views/Persons.vue')
const Households = () => import('./views/Households.vue')
const PersonTransfers = () => import('./views/PersonTransfers.vue')
const PartyMembers = () => import('./views/PartyMembers.vue')
const Cadres = () => import('./views/Cadres.vue')
const Coverage = () => import('./views/Coverage.vue')
const Audit = () => import('./views/Audit.vue')
const NotFound = () => import('./views/NotFound.vue')
const Cases = () => import('./views/Cases.vue')
const CaseDetail = () => import('./views/CaseDetail.vue')
const CaseNew = () => import('./views/CaseNew.vue')
const MyCases = () => import('./views/MyCases.vue')
const Inbox = () => import('./views/Inbox.vue')
const PublicReport = () => import('./views/PublicReport.vue')
const PublicFollow = () => import('./views/PublicFollow.vue')

export const routes = [
  { path: '/login', name: 'login', component: Login, meta: { public: true } },
  // Anonymous reports: no account, no console around them.
  { path: '/report', name: 'public-report', component: PublicReport, meta: { public: true } },
  { path: '/follow', name: 'public-follow', component: PublicFollow, meta: { public: true } },
  {
    path: '/',
    component: Layout,
    children: [
      { path: '', name: 'home', component: Home },
      {
        path: 'orgs/:id(\\d+)',
        component: OrgShell,
        props: true,
        // The tree's pages are for who works some part of it: not for a resident (own cases only).
        meta: { orgPages: true },
        children: [
          // The figures are staff's (stats.read); others land on the node's detail.
          { path: '', name: 'org-dashboard', component: Dashboard, meta: { perm: 'stats.read', otherwise: 'org-detail' } },
          { path: 'detail', name: 'org-detail', component: OrgDetail },
          { path: 'party-orgs', name: 'org-party-orgs', component: PartyOrgs, meta: { perm: 'party.read' } },
          { path: 'units', name: 'org-units', component: Units, meta: { perm: 'unit.read' } },
          { path: 'users', name: 'org-users', component: Users, meta: { perm: 'user.read' } },
          { path: 'persons', name: 'org-persons', component: Persons, meta: { perm: 'people.read' } },
          { path: 'households', name: 'org-households', component: Households, meta: { perm: 'people.read' } },
          { path: 'transfers', name: 'org-transfers', component: PersonTransfers, meta: { perm: 'people.write' } },
          { path: 'party-members', name: 'org-party-members', component: PartyMembers, meta: { perm: 'party.read' } },
          { path: 'cadres', name: 'org-cadres', component: Cadres, meta: { perm: 'people.read' } },
          { path: 'coverage', name: 'org-coverage', component: Coverage, meta: { perm: 'people.read' } },
          { path: 'cases', name: 'org-cases', component: Cases, meta: { perm: 'case.read' } },
        ],
      },
      { path: 'audit', name: 'audit', component: Audit, meta: { perm: 'audit.read' } },
      { path: 'inbox', name: 'inbox', component: Inbox },
      { path: 'cases/new', name: 'case-new', component: CaseNew },
      { path: 'cases/:caseId(\\d+)', name: 'case', component: CaseDetail, props: true },
      { path: 'my', name: 'my-cases', component: MyCases },
      { path: 'my/report', name: 'my-report', component: CaseNew },
      { path: ':rest(.*)*', name: 'not-found', component: NotFound },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
})

router.beforeEach(async (to) => {
  const session = useSession()
  if (!session.loaded) await session.load()
  if (to.meta.public) {
    if (to.name === 'login' && session.user) return safeRedirect(to.query.redirect)
    return true
  }
  if (!session.user) return { path: '/login', query: { redirect: to.fullPath } }
  const missing = { name: 'not-found', params: { rest: to.path.slice(1).split('/') } }
  if (to.matched.some((r) => r.meta.orgPages) && !session.hasOrgPages) return missing
  const perm = to.matched.map((r) => r.meta.perm).find(Boolean)
  if (perm && !session.can(perm)) {
    const otherwise = to.matched.map((r) => r.meta.otherwise).find(Boolean)
    return otherwise ? { name: otherwise, params: to.params } : missing
  }
  return true
})

// Only a path of this app: never another origin.
export function safeRedirect(target) {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/login')
    ? target
    : '/'
}
