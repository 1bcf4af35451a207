// The UI dictionary: zh-CN and en have the same keys (nested), and every key
// the code asks for with t('...') / $t('...') exists in both.
// Run alone with `node tests/e2e/i18n-keys.mjs`; run.mjs runs it too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const src = join(root, 'web', 'src')

export async function dictionary(name) {
  return (await import(pathToFileURL(join(src, 'i18n', name)).href)).default
}

// Leaf keys as dotted paths; objects (namespaces) separately.
export function flatten(obj, prefix = '', leaves = new Set(), spaces = new Set()) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') {
      spaces.add(key)
      flatten(v, key, leaves, spaces)
    } else {
      assert.equal(typeof v, 'string', `${key} is not a string`)
      assert.ok(v.trim().length > 0, `${key} is empty`)
      leaves.add(key)
    }
  }
  return { leaves, spaces }
}

function sourceFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    if (statSync(file).isDirectory()) sourceFiles(file, out)
    else if (/\.(vue|js|mjs)$/.test(name) && !file.includes(join('src', 'i18n') + '/')) out.push(file)
  }
  return out
}

// t('a.b'), $t("a.b"), i18n.global.t('a.b'), and t(`a.${x}`) (a dynamic key:
// its fixed prefix must be a namespace in both dictionaries).
function usedKeys() {
  const fixed = []
  const dynamic = []
  const call = /(?<![\w$])\$?t\(\s*(?:'([^'\n]+)'|"([^"\n]+)"|`([^`\n]+)`)/g
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(call)) {
      const where = relative(root, file)
      if (m[3] !== undefined) {
        const i = m[3].indexOf('${')
        if (i < 0) fixed.push({ key: m[3], where })
        else dynamic.push({ prefix: m[3].slice(0, i).replace(/\.$/, ''), where })
      } else {
        fixed.push({ key: m[1] ?? m[2], where })
      }
    }
  }
  return { fixed, dynamic }
}

test('zh-CN and en have the same keys', async () => {
  const zh = flatten(await dictionary('zh-CN.js'))
  const en = flatten(await dictionary('en.js'))
  const onlyZh = [...zh.leaves].filter((k) => !en.leaves.has(k))
  const onlyEn = [...en.leaves].filter((k) => !zh.leaves.has(k))
  assert.deepEqual(onlyZh, [], 'keys in zh-CN missing from en')
  assert.deepEqual(onlyEn, [], 'keys in en missing from zh-CN')
  assert.ok(zh.leaves.size > 100, `only ${zh.leaves.size} keys: the dictionary did not load`)
})

test('every key the code uses exists in both dictionaries', async () => {
  const dicts = { 'zh-CN': flatten(await dictionary('zh-CN.js')), en: flatten(await dictionary('en.js')) }
  const { fixed, dynamic } = usedKeys()
  assert.ok(fixed.length > 100, `found only ${fixed.length} t() calls: the scan is broken`)
  const missing = []
  for (const [lang, d] of Object.entries(dicts)) {
    for (const { key, where } of fixed) if (!d.leaves.has(key)) missing.push(`${lang}: ${key} (${where})`)
    for (const { prefix, where } of dynamic) if (!d.spaces.has(prefix)) missing.push(`${lang}: ${prefix}.* (${where})`)
  }
  assert.deepEqual(missing, [])
})

test('the values used with dynamic keys all have words', async () => {
  // Vocabularies the code turns into keys: each needs an entry in both languages.
  // The API's own vocabularies and roles (GET /enums, /roles) are checked against
  // the running server by run.mjs ('every vocabulary and role the API serves has words').
  const domain = await import(pathToFileURL(join(src, 'domain.js')).href)
  const needed = [
    ...Object.values(domain.KINDS_BY_LEVEL).flat().map((k) => `kind.${k}`),
    ...domain.FIGURE_KEYS.map((k) => `figures.${k}`),
    ...Object.values(domain.PARTY_KIND_KEYS).map((k) => `partyKind.${k}`),
    ...domain.AUDIT_ENTITIES.map((k) => `entity.${k}`),
    ...domain.PEOPLE_FIGURE_KEYS.map((k) => `peopleFigures.${k}`),
    ...Object.values(domain.RELATION_KEYS).map((k) => `relation.${k}`),
    ...Object.values(domain.PARTY_STATUS_KEYS).map((k) => `partyStatus.${k}`),
    ...Object.values(domain.POST_KEYS).map((k) => `post.${k}`),
    ...domain.COVERAGE_FINDINGS.flatMap((k) => [`coverageTitle.${k}`, `coverageHint.${k}`]),
    ...domain.TRANSFER_VIAS.map((k) => `transfers.via.${k}`),
  ]
  for (const name of ['zh-CN.js', 'en.js']) {
    const d = flatten(await dictionary(name))
    assert.deepEqual(needed.filter((k) => !d.leaves.has(k)), [], `missing in ${name}`)
  }
})
