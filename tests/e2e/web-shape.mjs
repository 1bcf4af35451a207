// The console's shape (docs/web.md): pages sit in one folder per family under
// web/src/views/, and only the API layer (web/src/api/) talks to the server;
// every list page pages through composables/useListPage.js.
// Run alone with `node tests/e2e/web-shape.mjs`; run.mjs runs it too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const src = join(root, 'web', 'src')

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    if (statSync(file).isDirectory()) files(file, out)
    else if (/\.(vue|js|mjs)$/.test(name)) out.push(file)
  }
  return out
}

// The code without its comments (a comment may name a route).
const code = (file) =>
  readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')

const inApiLayer = (file) => relative(src, file).startsWith('api' + sep)

test('only web/src/api/ talks to the server', () => {
  const all = files(src)
  assert.ok(all.length > 50, `only ${all.length} files: the scan is broken`)
  const wrong = []
  for (const file of all.filter((f) => !inApiLayer(f))) {
    const text = code(file)
    const where = relative(root, file)
    if (/from\s+['"][./]*(api\/client|api)\.js['"]/.test(text)) wrong.push(`${where}: imports the HTTP client`)
    if (/\bfetch\s*\(|XMLHttpRequest|new\s+EventSource/.test(text)) wrong.push(`${where}: calls the network itself`)
    if (/\b(api|request|getAll|upload|download)\s*\.?\s*(get|post|patch|del)?\s*\(\s*['"`]\//.test(text)) wrong.push(`${where}: calls the client`)
    if (/['"`]\/api\/v1\b/.test(text)) wrong.push(`${where}: names an API path`)
    if (/['"`]\/open311\//.test(text)) wrong.push(`${where}: names an API path`)
  }
  assert.deepEqual(wrong, [])
  // The layer itself is where they are: the scan sees them there.
  const client = code(join(src, 'api', 'client.js'))
  assert.match(client, /\bfetch\s*\(/)
  assert.match(client, /['"`]\/api\/v1\b/)
})

test('views sit in one folder per family', () => {
  const views = join(src, 'views')
  const loose = readdirSync(views).filter((n) => !statSync(join(views, n)).isDirectory())
  assert.deepEqual(loose, [], 'pages directly under views/')
  const routes = readFileSync(join(src, 'router.js'), 'utf8') + readFileSync(join(src, 'orgPages.js'), 'utf8')
  const pages = files(views).map((f) => relative(src, f).split(sep).join('/'))
  const usedBy = (p) => pages.some((q) => q !== p && readFileSync(join(src, q), 'utf8').includes(`/${p.split('/').pop()}'`))
  const unrouted = pages.filter((p) => !routes.includes(`'./${p}'`) && !usedBy(p))
  assert.deepEqual(unrouted, [], 'pages neither routed nor used by another page')
})

test('every list page pages through useListPage', () => {
  const lists = files(src).filter((f) => /<ListState\b/.test(readFileSync(f, 'utf8')) || /\busePager\(/.test(code(f)))
  assert.ok(lists.length >= 10, `only ${lists.length} list pages found: the scan is broken`)
  const without = lists
    .filter((f) => !f.endsWith(join('composables', 'useListPage.js')) && !f.endsWith(join('composables', 'usePager.js')))
    .filter((f) => !/\buseListPage\(/.test(code(f)) && !/<ResourcePage\b/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f))
  assert.deepEqual(without, [])
})
