// The JSON API client: same-origin cookies, the CSRF header on every change,
// Accept-Language following the UI language, and one error type that carries
// the API's own words.
import { i18n } from '../i18n'

export const BASE = '/api/v1'
const CHANGES = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])

let csrfToken = null
let language = 'zh-CN'
let unauthorizedHandler = null

export function setCsrfToken(token) {
  csrfToken = token || null
}

export function setApiLanguage(lang) {
  language = lang
}

// Called with no arguments when a call other than login answers 401.
export function onUnauthorized(fn) {
  unauthorizedHandler = fn
}

export class ApiError extends Error {
  constructor(status, error, body) {
    super(error?.message || '')
    this.name = 'ApiError'
    this.status = status
    this.code = error?.code || 'unknown'
    this.field = error?.field || null
    this.lockedUntil = error?.locked_until || null
    this.reason = error?.reason || null
    this.body = body || null // the whole answer: an import's 422 carries its report beside the error
  }
}

function queryString(query) {
  if (!query) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v))
  }
  const s = p.toString()
  return s ? '?' + s : ''
}

async function send(method, path, { query, body, raw, rawType, login = false, accept = 'application/json', idempotencyKey, extraHeaders } = {}) {
  const headers = { Accept: accept, 'Accept-Language': language, ...extraHeaders }
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (raw !== undefined) headers['Content-Type'] = rawType || 'application/octet-stream'
  if (CHANGES.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res
  try {
    res = await fetch(BASE + path + queryString(query), {
      method,
      headers,
      credentials: 'same-origin',
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, { code: 'network', message: i18n.global.t('error.network') })
  }
  if (!res.ok) {
    let data = null
    if ((res.headers.get('Content-Type') || '').includes('application/json')) {
      try {
        data = await res.json()
      } catch {
        data = null
      }
    }
    const err = new ApiError(
      res.status,
      data?.error || { code: 'http_' + res.status, message: i18n.global.t('error.http', { status: res.status }) },
      data,
    )
    if (res.status === 401 && !login && unauthorizedHandler) unauthorizedHandler()
    throw err
  }
  return res
}

export async function request(method, path, options = {}) {
  const res = await send(method, path, options)
  if (res.status === 204) return null
  if (!(res.headers.get('Content-Type') || '').includes('application/json')) return null
  try {
    return await res.json()
  } catch {
    return null
  }
}

// A file as the whole body (an import): the answer is JSON. headers: any the
// route asks for besides (a visitor's photo carries its report's upload token).
export function upload(path, query, file, type = 'text/csv', headers = undefined) {
  return request('POST', path, { query, raw: file, rawType: type, extraHeaders: headers })
}

// A file the API makes (an export, a template): fetched with the session and
// handed to the browser as a download, so an error shows as the API words it.
export async function download(path, query, filename) {
  const res = await send('GET', path, { query, accept: 'text/csv, application/json' })
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
  return blob.size
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  // options.idempotencyKey: sent as Idempotency-Key (see composables/useIdempotencyKey.js).
  post: (path, body, options = {}) => request('POST', path, { body: body ?? {}, ...options }),
  patch: (path, body) => request('PATCH', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  del: (path) => request('DELETE', path),
  login: (username, password) => request('POST', '/auth/login', { body: { username, password }, login: true }),
}

// Every page of a collection, following `next` until it is null.
export async function getAll(path, query = {}, limit = 200) {
  const items = []
  let after
  for (;;) {
    const page = await api.get(path, { ...query, limit, after })
    items.push(...page.items)
    if (!page.next) return items
    after = page.next
  }
}

// The case categories for someone without an account: the Open311 services
// (service_code is the category's code, service_name its Chinese name,
// description its English one).
export async function publicCategories() {
  let res
  try {
    res = await fetch('/open311/v2/services.json', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, { code: 'network', message: i18n.global.t('error.network') })
  }
  if (!res.ok) throw new ApiError(res.status, { code: 'http_' + res.status, message: i18n.global.t('error.http', { status: res.status }) })
  return (await res.json()).map((s) => ({ code: s.service_code, name_zh: s.service_name, name_en: s.description, family: s.group }))
}
