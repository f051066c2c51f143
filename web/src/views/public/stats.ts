// The monthly figures by department: the table's cells and the chart's options.
import type { PublicStatsRow } from './types'

/** '93.5%' for 0.935; '—' when nothing was due. */
export function rateText(r: number | null | undefined): string {
  if (r == null || !Number.isFinite(r)) return '—'
  return `${Number((r * 100).toFixed(1))}%`
}

/** The series of the chart: the count ones on the bottom axis, the rate on the top one. */
export const COUNT_SERIES: { key: keyof PublicStatsRow; name: string }[] = [
  { key: 'cases_accepted', name: '受理办件' },
  { key: 'cases_closed', name: '办结办件' },
  { key: 'alarms_raised', name: '产生报警' },
  { key: 'alarms_rectified', name: '报警已整改' },
]
export const RATE_SERIES_NAME = '按期办结率'

/** The chart's height in pixels for n departments: a band of bars each. */
export function chartHeight(n: number): number {
  return Math.max(320, 110 + n * 90)
}

/**
 * The ECharts option of the monthly figures: a horizontal bar chart with one
 * band per department (in the table's order), the counts on the bottom axis
 * and the on-time rate, in percent, on the top one.
 */
export function statsChartOption(rows: PublicStatsRow[]): Record<string, unknown> {
  const names = rows.map((r) => r.department_name || r.department_code)
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  return {
    animation: false,
    color: ['#1e5fb4', '#2f9e5b', '#d14343', '#c27c0e', '#7b4fb0'],
    textStyle: { fontSize: 13 },
    legend: { top: 0, left: 0, itemGap: 12 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
    },
    grid: { top: 84, left: 8, right: 24, bottom: 8, containLabel: true },
    xAxis: [
      // No axis names: they do not fit beside the axes on a phone; the legend names the bars.
      { type: 'value', minInterval: 1, position: 'bottom' },
      {
        type: 'value',
        position: 'top',
        min: 0,
        max: 100,
        axisLabel: { formatter: '{value}%' },
        splitLine: { show: false },
      },
    ],
    yAxis: {
      type: 'category',
      inverse: true,
      data: names,
      axisLabel: { width: 96, overflow: 'break', interval: 0 },
    },
    series: [
      ...COUNT_SERIES.map((s) => ({
        name: s.name,
        type: 'bar',
        xAxisIndex: 0,
        data: rows.map((r) => count(r[s.key])),
      })),
      {
        name: RATE_SERIES_NAME,
        type: 'bar',
        xAxisIndex: 1,
        data: rows.map((r) => (r.on_time_rate == null ? '-' : Number((r.on_time_rate * 100).toFixed(1)))),
        tooltip: { valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v}%` : '—') },
      },
    ],
  }
}
