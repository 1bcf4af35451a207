// A norm's value as words, and the form a value editor starts from, by the
// key's kind (GET /norm-keys): number, steps, shares, bands.
export function formatNormValue(t, key, kind, value) {
  if (value == null) return '—'
  const unit = t(`normUnit.${key}`)
  const num = (n) => Number(n).toLocaleString('zh-CN')
  if (kind === 'number') return `${num(value)} ${unit}`.trim()
  if (kind === 'steps') return `${value.map(num).join(' / ')} ${unit}`.trim()
  if (kind === 'shares') return Object.entries(value).map(([k, v]) => `${t(`normName.${k}`)} ${num(v)}`).join(' · ')
  if (kind === 'bands') return value.map((b) => `${t(`normName.${b.grade}`)} ≥ ${num(b.min)}`).join(' · ')
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
