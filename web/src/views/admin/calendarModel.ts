// Pure logic of the holiday calendar editor (节假日): which dates of a year are
// holidays (节假日) and which are make-up working days (调休上班日), and how a
// click on a day changes them. Dates are 'YYYY-MM-DD' strings throughout, so
// no time zone is ever involved.

/** How a date is marked in the year's schedule; 'default' = not listed. */
export type DayMark = 'default' | 'holiday' | 'workday'

/** The year's schedule being edited: date → mark (dates not present are 'default'). */
export type Marks = Record<string, Exclude<DayMark, 'default'>>

/** What kind of day a date is once the schedule is applied. */
export type EffectiveKind = 'workday' | 'weekend' | 'holiday' | 'makeup_workday'

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/

function parts(date: string): [number, number, number] {
  const m = datePattern.exec(date)
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

function utc(date: string): Date {
  const [y, m, d] = parts(date)
  return new Date(Date.UTC(y, m - 1, d))
}

function fromUTC(d: Date): string {
  const y = d.getUTCFullYear()
  const m = String(d.getUTCMonth() + 1).padStart(2, '0')
  const day = String(d.getUTCDate()).padStart(2, '0')
  return `${String(y).padStart(4, '0')}-${m}-${day}`
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
  return utc(date).getUTCDay()
}

export function isWeekend(date: string): boolean {
  const w = weekday(date)
  return w === 0 || w === 6
}

const weekdayNames = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

/** '周一' … '周日'. */
export function weekdayLabel(date: string): string {
  return weekdayNames[weekday(date)]
}

export function yearOf(date: string): number {
  return parts(date)[0]
}

export function markOf(marks: Marks, date: string): DayMark {
  return marks[date] ?? 'default'
}

/** Whether mark may be given to date: a make-up working day must be a Saturday or Sunday. */
export function allowed(date: string, mark: DayMark): boolean {
  return mark !== 'workday' || isWeekend(date)
}

/**
 * The mark a click gives a day that has current:
 * a weekday: 默认 → 节假日 → 默认;
 * a Saturday or Sunday: 默认 → 节假日 → 调休上班日 → 默认.
 */
export function nextMark(date: string, current: DayMark): DayMark {
  switch (current) {
    case 'default':
      return 'holiday'
    case 'holiday':
      return isWeekend(date) ? 'workday' : 'default'
    case 'workday':
      return 'default'
  }
}

/** Returns marks with date set to mark (a new object); throws if the mark is not allowed. */
export function withMark(marks: Marks, date: string, mark: DayMark): Marks {
  if (!allowed(date, mark)) throw new Error('调休上班日须为周六或周日')
  const out: Marks = { ...marks }
  if (mark === 'default') delete out[date]
  else out[date] = mark
  return out
}

/** Returns marks with date cycled to its next mark (see nextMark). */
export function cycle(marks: Marks, date: string): Marks {
  return withMark(marks, date, nextMark(date, markOf(marks, date)))
}

/** Builds the marks from the API's lists (a date listed twice keeps its holiday mark). */
export function fromLists(holidays: readonly string[], workdays: readonly string[]): Marks {
  const out: Marks = {}
  for (const d of workdays) out[d] = 'workday'
  for (const d of holidays) out[d] = 'holiday'
  return out
}

/** The API's lists, each sorted. */
export function toLists(marks: Marks): { holidays: string[]; workdays: string[] } {
  const holidays: string[] = []
  const workdays: string[] = []
  for (const [d, m] of Object.entries(marks)) (m === 'holiday' ? holidays : workdays).push(d)
  holidays.sort()
  workdays.sort()
  return { holidays, workdays }
}

/** Whether two schedules list the same dates the same way. */
export function sameMarks(a: Marks, b: Marks): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => a[k] === b[k])
}

/** The kind of day date is under marks. */
export function effectiveKind(marks: Marks, date: string): EffectiveKind {
  const m = markOf(marks, date)
  if (m === 'holiday') return 'holiday'
  if (m === 'workday') return isWeekend(date) ? 'makeup_workday' : 'workday'
  return isWeekend(date) ? 'weekend' : 'workday'
}

/** Every date from from to to, both included, in order (empty if to is before from). */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = []
  const end = utc(to).getTime()
  for (let t = utc(from).getTime(); t <= end; t += 86_400_000) out.push(fromUTC(new Date(t)))
  return out
}

/**
 * Marks every date of a range as holidays (the usual way a festival is
 * entered); dates outside year are left out and counted.
 */
export function markRangeHoliday(marks: Marks, from: string, to: string, year: number): { marks: Marks; outside: number } {
  const out: Marks = { ...marks }
  let outside = 0
  for (const d of datesBetween(from, to)) {
    if (yearOf(d) !== year) {
      outside++
      continue
    }
    out[d] = 'holiday'
  }
  return { marks: out, outside }
}

/** Working days and days off in a year under marks. */
export function countYear(marks: Marks, year: number): { working: number; off: number } {
  let working = 0
  let off = 0
  for (const d of datesBetween(`${year}-01-01`, `${year}-12-31`)) {
    const k = effectiveKind(marks, d)
    if (k === 'workday' || k === 'makeup_workday') working++
    else off++
  }
  return { working, off }
}

/**
 * Reads the 422 details of PUT /calendar/{year}: "holidays[3]" names the
 * fourth date sent in holidays. Returns date → message for the dates, and
 * the other messages.
 */
export function calendarErrors(
  details: Record<string, string>,
  sent: { holidays: string[]; workdays: string[] },
): { byDate: Record<string, string>; other: string[] } {
  const byDate: Record<string, string> = {}
  const other: string[] = []
  for (const [field, msg] of Object.entries(details)) {
    const m = /^(holidays|workdays)\[(\d+)\]$/.exec(field)
    const date = m ? sent[m[1] as 'holidays' | 'workdays'][Number(m[2])] : undefined
    if (date !== undefined) byDate[date] = byDate[date] ? `${byDate[date]}；${msg}` : msg
    else other.push(msg)
  }
  return { byDate, other }
}

/** Consecutive dates grouped into runs, e.g. a festival's days; dates must be sorted. */
export function runs(sortedDates: readonly string[]): { from: string; to: string; days: number }[] {
  const out: { from: string; to: string; days: number }[] = []
  for (const d of sortedDates) {
    const last = out[out.length - 1]
    if (last && utc(d).getTime() - utc(last.to).getTime() === 86_400_000) {
      last.to = d
      last.days++
    } else {
      out.push({ from: d, to: d, days: 1 })
    }
  }
  return out
}
