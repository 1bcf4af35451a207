// What the meeting pages share: the years offered, the period's words, the
// quorum's line.
export const thisYear = () => Number(new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 4))
export const years = () => [thisYear(), thisYear() - 1, thisYear() - 2]
export const todayYmd = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)

// A period of months as words: a month (3月), a quarter (第二季度), the year (全年), or months (1-2月).
export function periodWords(t, p) {
  if (p.first_month === p.last_month) return t('meetings.period.month', { m: p.first_month })
  if (p.last_month - p.first_month === 2 && p.first_month % 3 === 1) return t('meetings.period.quarter', { q: (p.first_month + 2) / 3 })
  if (p.first_month === 1 && p.last_month === 12) return t('meetings.period.year')
  return t('meetings.period.months', { from: p.first_month, to: p.last_month })
}
