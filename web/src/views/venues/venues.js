// What the venues and funds pages share: the years of the records and the
// formats of tenths of m² and yuan.
export const thisYear = new Date().getFullYear()
export const years = Array.from({ length: thisYear - 2011 }, (_, i) => thisYear - i)
export const m2 = (x10) => (x10 == null ? '—' : (x10 / 10).toLocaleString('zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1 }))
export const yuan = (v) => (v == null ? '—' : Math.round(v).toLocaleString('zh-CN'))
// The kept figures [{figure, total}] as {figure: total}.
export const figureMap = (rows) => Object.fromEntries((rows || []).map((r) => [r.figure, r.total]))
