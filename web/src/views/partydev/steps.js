// The 25 steps of the 2014 细则 as the console shows them: the fields each step's
// form takes (the API checks them: docs/party-development.md).
export const STAGES = [1, 2, 3, 4, 5]
export const PERSONS_STEPS = { 2: 'talker', 5: 'mentors', 9: 'introducers', 16: 'talker' }
export const MEETING_STEPS = [15, 23]
export const APPROVAL_STEPS = [17, 24]
export const REPEATABLE = [6, 21]
// The day a half-yearly assessment's half years count from: becoming an activist, the branch's vote.
const COUNTED_FROM = { 6: 3, 21: 15 }

// "YYYY-MM-DD" plus days or months (the day kept, or the month's last).
export function addDays(ymd, n) {
  const d = new Date(ymd + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}
export function addMonths(ymd, n) {
  const [y, m, d] = ymd.split('-').map(Number)
  const k = y * 12 + (m - 1) + n
  const last = new Date(Date.UTC(Math.floor(k / 12), (k % 12) + 1, 0)).getUTCDate()
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`
}
const earlier = (a, b) => (a < b ? a : b)

// The day a step's form starts on: its earliest day; a half-yearly assessment half a
// year after the last (never after today).
export function defaultDay(c, step, today) {
  const latest = (n) => [...c.steps].reverse().find((s) => s.step === n && s.outcome === 'done')?.done_on
  if (REPEATABLE.includes(step)) {
    const from = latest(step) || latest(COUNTED_FROM[step]) || c.next?.earliest || today
    return earlier(addMonths(from, 6), today)
  }
  return c.next?.earliest ? earlier(c.next.earliest, today) : today
}
