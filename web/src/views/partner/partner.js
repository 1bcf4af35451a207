// What the partner pages share: this year in Asia/Shanghai (the server's), the
// years a filter offers, a rate as a percentage and fen as yuan.
export const thisYear = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear()
export const today = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
export const years = [thisYear + 1, thisYear, thisYear - 1, thisYear - 2]
export const percent = (v) => (v == null ? '—' : `${Math.round(v * 100)}%`)
export const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
