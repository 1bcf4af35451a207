// Times are UTC in the API and shown in Asia/Shanghai, whatever the browser's zone.
const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

export function formatTime(value) {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const p = Object.fromEntries(parts.formatToParts(d).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
}

// A calendar day in Shanghai as an RFC 3339 instant: its start, or the start of the next day.
export function shanghaiDayStart(ymd, nextDay = false) {
  if (!ymd) return undefined
  if (!nextDay) return `${ymd}T00:00:00+08:00`
  const [y, m, d] = ymd.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1, d + 1))
  return `${t.toISOString().slice(0, 10)}T00:00:00+08:00`
}

// A deadline at the end of a day (shanghaiDayStart(ymd, true): the next day's start) as
// the day chosen, 2099-12-31 rather than 2100-01-01 00:00:00; any other instant as formatTime.
export function formatDeadline(value) {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const p = Object.fromEntries(parts.formatToParts(d).map((x) => [x.type, x.value]))
  if (`${p.hour}:${p.minute}:${p.second}` !== '00:00:00') return formatTime(value)
  const q = Object.fromEntries(parts.formatToParts(new Date(d.getTime() - 1000)).map((x) => [x.type, x.value]))
  return `${q.year}-${q.month}-${q.day}`
}
