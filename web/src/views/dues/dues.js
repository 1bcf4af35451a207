// What the dues pages share: amounts in fen shown as yuan, months as YYYYMM.
export const CATEGORIES = ['in_service', 'retired', 'farmer', 'student', 'unemployed', 'dibao']
export const CHANNELS = ['cash', 'bank', 'wechat', 'alipay', 'payroll']
export const DECISIONS = ['educate', 'excuse', 'lapse']

// 8100 -> "81.00"; null -> "—"
export function yuan(fen) {
  return fen == null ? '—' : (fen / 100).toFixed(2)
}

// The month of a date (Asia/Shanghai, as the server counts) as YYYYMM.
export function thisMonth() {
  const d = new Date(Date.now() + 8 * 3600 * 1000)
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1
}

export function monthAdd(m, n) {
  const k = Math.floor(m / 100) * 12 + (m % 100) - 1 + n
  return Math.floor(k / 12) * 100 + (k % 12) + 1
}

// The last count months, newest first, as YYYYMM.
export function recentMonths(count = 24) {
  const now = thisMonth()
  return Array.from({ length: count }, (_, i) => monthAdd(now, -i))
}

export function today() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}
