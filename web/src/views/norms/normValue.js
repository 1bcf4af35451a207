// A norm's value as words, and the form a value editor starts from, by the
// key's kind (GET /norm-keys): number, steps, shares, bands.
// A name in key's value (a share, a grade): the key's own word when it has one
// (normGrade.<key>.<name>: 村's 薄弱村 is not assessment's 较差), else the shared one.
export function normNameOf(t, te, key, name) {
  return te && te(`normGrade.${key}.${name}`) ? t(`normGrade.${key}.${name}`) : t(`normName.${name}`)
}

export function formatNormValue(t, key, kind, value, te) {
  if (value == null) return '—'
  const unit = t(`normUnit.${key}`)
  const num = (n) => Number(n).toLocaleString('zh-CN')
  if (kind === 'number') return `${num(value)} ${unit}`.trim()
  if (kind === 'steps') return `${value.map(num).join(' / ')} ${unit}`.trim()
  if (kind === 'shares') return Object.entries(value).map(([k, v]) => `${t(`normName.${k}`)} ${num(v)}`).join(' · ')
  if (kind === 'bands') return value.map((b) => `${normNameOf(t, te, key, b.grade)} ≥ ${num(b.min)}`).join(' · ')
  return JSON.stringify(value)
}

// A blank value of spec's form, for a new norm.
export function blankNormValue(spec) {
  if (!spec) return null
  if (spec.kind === 'number') return spec.min
  if (spec.kind === 'steps') return [spec.min]
  if (spec.kind === 'shares') return Object.fromEntries(spec.names.map((n) => [n, spec.sum ? spec.sum / spec.names.length : spec.min]))
  if (spec.kind === 'bands') return spec.names.map((n, i) => ({ grade: n, min: i === spec.names.length - 1 ? 0 : (spec.names.length - 1 - i) * 10 }))
  return null
}
