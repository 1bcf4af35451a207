// The console's cold start: from opening the login page with an empty browser cache
// to the city dashboard's figures on screen, on loopback, one fresh browser context a
// round. Two builds of the console may be alternated against the same server and
// database (the ratio is measured in the same run):
//
//   node bench/console.mjs                       # web/dist, 10 rounds
//   node bench/console.mjs web/dist /tmp/old-dist  # new and old, alternated
//
// Environment: JICENG_BIN (default ./jiceng), CHROMIUM (default /usr/bin/chromium),
// BENCH_ROUNDS (default 10), BENCH_RESIDENTS (default 3000).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(repo, 'web', 'package.json'))
const { chromium } = require('playwright-core')
const BIN = resolve(process.env.JICENG_BIN || join(repo, 'jiceng'))
const ROUNDS = Number(process.env.BENCH_ROUNDS || 10)
const RESIDENTS = String(process.env.BENCH_RESIDENTS || 3000)
const PASSWORD = 'Bench-Passw0rd!'
const builds = (process.argv.slice(2).length ? process.argv.slice(2) : ['web/dist']).map((d) => resolve(d))

function run(args) {
  const r = spawnSync(BIN, args, { env: { ...process.env, JICENG_ADMIN_PASSWORD: PASSWORD }, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`jiceng ${args.join(' ')}: ${r.stderr}`)
}

const freePort = () =>
  new Promise((ok) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })

async function serve(db, web) {
  const port = await freePort()
  const child = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', web], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((ok, fail) => {
    child.stdout.on('data', (b) => b.toString().includes('listening on') && ok())
    child.once('exit', (code) => fail(new Error(`serve exited ${code}`)))
  })
  return { child, base: `http://127.0.0.1:${port}` }
}

// One cold start: a new context (no cache, no cookies), login, the dashboard's cards.
async function round(browser, base) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const page = await ctx.newPage()
  let bytes = 0
  page.on('response', async (r) => {
    const len = Number(r.headers()['content-length'] || 0)
    if (r.url().includes('/assets/')) bytes += len
  })
  const t0 = performance.now()
  await page.goto(`${base}/login`)
  await page.locator('[data-testid="login-username"] input, input[data-testid="login-username"]').first().fill('admin')
  await page.locator('[data-testid="login-password"] input, input[data-testid="login-password"]').first().fill(PASSWORD)
  await page.locator('[data-testid="login-submit"]').click()
  await page.locator('[data-testid="figure-value-districts"]').waitFor()
  const ms = performance.now() - t0
  await ctx.close()
  return { ms, bytes }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const dir = mkdtempSync(join(tmpdir(), 'jiceng-console-bench-'))
const db = join(dir, 'bench.db')
try {
  run(['init', '--db', db])
  run(['import-divisions', '--db', db, join(repo, 'data', 'divisions', 'hefei.csv')])
  run(['demo', '--db', db, '--residents', RESIDENTS, '--seed', '1'])
  const servers = []
  for (const web of builds) servers.push(await serve(db, web))
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const times = builds.map(() => [])
  const sizes = builds.map(() => 0)
  for (const s of servers) await round(browser, s.base) // warm the server's own caches, not the browser's
  for (let i = 0; i < ROUNDS; i++) {
    for (let b = 0; b < builds.length; b++) {
      const { ms, bytes } = await round(browser, servers[b].base)
      times[b].push(ms)
      sizes[b] = bytes
    }
  }
  await browser.close()
  for (const s of servers) s.child.kill('SIGTERM')
  console.log(`| build | median | min | max | script and style bytes (compressed as sent) |`)
  console.log(`| --- | --- | --- | --- | --- |`)
  builds.forEach((b, i) => {
    const t = times[i]
    console.log(`| ${b} | ${median(t).toFixed(0)} ms | ${Math.min(...t).toFixed(0)} ms | ${Math.max(...t).toFixed(0)} ms | ${sizes[i]} |`)
  })
  if (builds.length === 2) console.log(`\nratio (first / second, medians): ${(median(times[0]) / median(times[1])).toFixed(2)}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
