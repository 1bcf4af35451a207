import { createRouter, createWebHistory } from 'vue-router'
import { useSession } from './stores/session.js'
import { useEnums } from './stores/enums.js'
import { ORG_PAGES } from './orgPages.js'

const Login = () => import('./views/shell/Login.vue')
const Layout = () => import('./views/shell/Layout.vue')
const Home = () => import('./views/shell/Home.vue')
const WorkHome = () => import('./views/shell/WorkHome.vue') // a grid worker's start page
const OrgShell = () => import('./views/orgs/OrgShell.vue')
const Audit = () => import('./views/system/Audit.vue')
const NotFound = () => import('./views/shell/NotFound.vue')
const CaseDetail = () => import('./views/cases/CaseDetail.vue')
const CaseNew = () => import('./views/cases/CaseNew.vue')
const MyCases = () => import('./views/cases/MyCases.vue')
const Inbox = () => import('./views/cases/Inbox.vue')
const NoticeDetail = () => import('./views/notices/NoticeDetail.vue') // notices (调度通报)
// ---- 述职评议 ----
const ReviewSession = () => import('./views/review/ReviewSession.vue')
const Vote = () => import('./views/public/Vote.vue')
// ---- end 述职评议 ----
// ---- 年度综合考核 ----
const AssessmentPlan = () => import('./views/assessment/AssessmentPlan.vue')
const AssessmentResult = () => import('./views/assessment/AssessmentResult.vue')
const PublicReport = () => import('./views/public/PublicReport.vue')
// ---- service posts and 微心愿 ----
const MyClaims = () => import('./views/claims/MyClaims.vue')
const MyWishes = () => import('./views/claims/MyWishes.vue')
const WishBoard = () => import('./views/public/WishBoard.vue')
const PublicFollow = () => import('./views/public/PublicFollow.vue')
// ---- duty lists (责任清单) ----
const DutyList = () => import('./views/duties/DutyList.vue')
// ---- rectification problems (问题清单) and inspections ----
const Problem = () => import('./views/rectification/Problem.vue')
const Inspection = () => import('./views/rectification/Inspection.vue')
// ---- 结对共建 and purchased services (partner) ----
const Pairing = () => import('./views/partner/Pairing.vue')
const Contract = () => import('./views/partner/Contract.vue')
// ---- volunteer and service teams ----
const MyVolunteer = () => import('./views/teams/MyVolunteer.vue')
const ActivityCheckin = () => import('./views/teams/ActivityCheckin.vue')

export const routes = [
  { path: '/login', name: 'login', component: Login, meta: { public: true } },
  // Anonymous reports: no account, no console around them.
  { path: '/report', name: 'public-report', component: PublicReport, meta: { public: true } },
  { path: '/follow', name: 'public-follow', component: PublicFollow, meta: { public: true } },
  // ---- 述职评议: a delegate's phone, no account ----
  { path: '/vote/:code?', name: 'vote', component: Vote, meta: { public: true } },
  // ---- 微心愿: the public wish board of a community, no account ----
  { path: '/wishes/:code?', name: 'wish-board', component: WishBoard, meta: { public: true } },
  {
    path: '/',
    component: Layout,
    children: [
      { path: '', name: 'home', component: Home },
      { path: 'work', name: 'work', component: WorkHome },
      {
        path: 'orgs/:id(\\d+)',
        component: OrgShell,
        props: true,
        // The tree's pages are for who works some part of it: not for a resident (own cases only).
        meta: { orgPages: true },
        // The figures are staff's (stats.read); others land on the node's detail (orgPages.js).
        children: ORG_PAGES.map((p) => ({
          path: p.path,
          name: p.name,
          component: p.page,
          meta: { ...(p.perm ? { perm: p.perm } : {}), ...(p.otherwise ? { otherwise: p.otherwise } : {}) },
        })),
      },
      { path: 'audit', name: 'audit', component: Audit, meta: { perm: 'audit.read' } },
      { path: 'inbox', name: 'inbox', component: Inbox },
      { path: 'cases/new', name: 'case-new', component: CaseNew },
      { path: 'cases/:caseId(\\d+)', name: 'case', component: CaseDetail, props: true },
      { path: 'my', name: 'my-cases', component: MyCases },
      { path: 'notices/:noticeId(\\d+)', name: 'notice', component: NoticeDetail, props: true, meta: { perm: 'stats.read' } },
      { path: 'my/report', name: 'my-report', component: CaseNew },
      // ---- service posts and 微心愿: a member's and a resident's phone pages ----
      { path: 'my/claims', name: 'my-claims', component: MyClaims },
      { path: 'my/wishes', name: 'my-wishes', component: MyWishes },
      // ---- duty lists (责任清单) ----
      { path: 'duty-lists/:listId(\\d+)', name: 'duty-list', component: DutyList, props: true, meta: { perm: 'party.read' } },
      // ---- 述职评议 ----
      { path: 'review-sessions/:sessionId(\\d+)', name: 'review-session', component: ReviewSession, props: true, meta: { perm: 'stats.read' } },
      // ---- rectification problems (问题清单) and inspections ----
      { path: 'problems/:problemId(\\d+)', name: 'problem', component: Problem, props: true, meta: { perm: 'party.read' } },
      { path: 'inspections/:inspectionId(\\d+)', name: 'inspection', component: Inspection, props: true, meta: { perm: 'party.read' } },
      // ---- 年度综合考核 ----
      { path: 'assessment-plans/:planId(\\d+)', name: 'assessment-plan', component: AssessmentPlan, props: true, meta: { perm: 'stats.read' } },
      { path: 'assessment-runs/:runId(\\d+)/results/:orgId(\\d+)', name: 'assessment-result', component: AssessmentResult, props: true, meta: { perm: 'stats.read' } },
      // ---- 结对共建 and purchased services: an agency's and a provider's own accounts see theirs too ----
      { path: 'pairings/:pairingId(\\d+)', name: 'pairing', component: Pairing, props: true },
      { path: 'service-contracts/:contractId(\\d+)', name: 'contract', component: Contract, props: true },
      // ---- volunteer and service teams: a volunteer's phone pages (the QR code's target signs in first) ----
      { path: 'my/volunteer', name: 'my-volunteer', component: MyVolunteer },
      { path: 'checkin/:token([0-9a-f]{32})', name: 'activity-checkin', component: ActivityCheckin, props: true },
      // ---- 双报到 ----
      { path: 'my/service', name: 'my-service', component: () => import('./views/service/MyService.vue') },
      // ---- 组织生活: a member's phone page (meetings, dues, transfer, evaluation) ----
      { path: 'my/party', name: 'my-party', component: () => import('./views/partylife/MyPartyLife.vue') },
      // ---- 组织生活: 三会一课 (a meeting's page; its sign-in code's target signs in first) ----
      { path: 'party-meetings/:meetingId(\\d+)', name: 'party-meeting', component: () => import('./views/partylife/PartyMeeting.vue'), props: true, meta: { perm: 'party.read' } },
      { path: 'meeting-checkin/:token([0-9a-f]{32})', name: 'meeting-checkin', component: () => import('./views/partylife/MeetingCheckin.vue'), props: true },
      // ---- end 组织生活: 三会一课 ----
      // ---- 区域化党建联盟 (alliance) ----
      { path: 'alliances/:allianceId(\\d+)', name: 'alliance', component: () => import('./views/alliance/Alliance.vue'), props: true, meta: { perm: 'party.read' } },
      // ---- end 区域化党建联盟 ----
      // ---- 组织生活: party development (发展党员) ----
      { path: 'party-candidates/:candidateId(\\d+)', name: 'party-candidate', component: () => import('./views/partydev/PartyCandidate.vue'), props: true, meta: { perm: 'party.read' } },
      // ---- end 组织生活: party development ----
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
  await useEnums().load() // the vocabularies and roles the pages' selects and menus use (once)
  const missing = { name: 'not-found', params: { rest: to.path.slice(1).split('/') } }
  if (to.matched.some((r) => r.meta.orgPages) && !session.hasOrgPages) return missing
  const perm = to.matched.map((r) => r.meta.perm).find(Boolean)
  if (perm && !session.can(perm)) {
    const otherwise = to.matched.map((r) => r.meta.otherwise).find(Boolean)
    return otherwise ? { name: otherwise, params: to.params } : missing
  }
  return true
})

// The pages a staff member opens first after logging in (the shell, the start page
// and a node's dashboard), fetched while the login page waits for the password so
// that logging in does not wait for them.
export function preloadConsole() {
  for (const load of [Layout, Home, OrgShell, ORG_PAGES[0].page]) load().catch(() => {})
}

// Only a path of this app: never another origin.
export function safeRedirect(target) {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/login')
    ? target
    : '/'
}
