// The time to draw a node's map in the console (issue 18: a street's map with its
// communities' and grids' outlines and open cases under 1 s), in Debian's chromium:
// from the navigation's start to the map's data drawn (every outline the API answered
// is a path on the page), best and median of N loads after one to warm the caches.
//   node bench/map_draw.mjs BASE_URL ORG_ID PASSWORD [N]
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { chromium } = createRequire(join(repo, 'web', 'package.json'))('playwright-core')
const [base, org, password, n = '5'] = process.argv.slice(2)
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
const login = await page.request.post(`${base}/api/v1/auth/login`, { data: { username: 'admin', password } })
if (login.status() !== 200) throw new Error(`login: ${login.status()}`)
const map = await (await page.request.get(`${base}/api/v1/orgs/${org}/map`)).json()
const paths = map.children.filter((c) => c.geometry).length + map.grids.length + (map.org.geometry ? 1 : 0) + (map.cases || []).length + map.buildings.length
const times = []
for (let i = 0; i <= Number(n); i++) {
  await page.goto('about:blank')
  const t0 = Date.now()
  await page.goto(`${base}/orgs/${org}/map`)
  await page.waitForSelector('[data-testid="map-canvas"][data-ready="1"]')
  await page.waitForFunction((want) => document.querySelectorAll('.leaflet-pane path').length >= want, paths)
  if (i > 0) times.push(Date.now() - t0)
}
times.sort((a, b) => a - b)
console.log(JSON.stringify({ org: map.org.name, level: map.org.level, drawn: paths, best_ms: times[0], median_ms: times[Math.floor(times.length / 2)] }))
await browser.close()
