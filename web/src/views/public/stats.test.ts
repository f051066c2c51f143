import { describe, expect, it } from 'vitest'
import { chartHeight, rateText, statsChartOption } from './stats'
import type { PublicStatsRow } from './types'

const rows: PublicStatsRow[] = [
  { department_code: 'ZJJ', department_name: '区住房和城乡建设局', cases_accepted: 12, cases_closed: 9, on_time_rate: 0.8889, alarms_raised: 3, alarms_rectified: 2 },
  { department_code: 'SCJ', department_name: '区市场监督管理局', cases_accepted: 0, cases_closed: 0, on_time_rate: null, alarms_raised: 0, alarms_rectified: 0 },
]

describe('rateText', () => {
  it('shows a percentage to one place', () => {
    expect(rateText(0.8889)).toBe('88.9%')
    expect(rateText(1)).toBe('100%')
    expect(rateText(0)).toBe('0%')
  })
  it('shows a dash when nothing was due', () => {
    expect(rateText(null)).toBe('—')
    expect(rateText(undefined)).toBe('—')
  })
})

describe('statsChartOption', () => {
  const o = statsChartOption(rows) as any

  it('has a band per department, in the table order', () => {
    expect(o.yAxis.type).toBe('category')
    expect(o.yAxis.inverse).toBe(true)
    expect(o.yAxis.data).toEqual(['区住房和城乡建设局', '区市场监督管理局'])
  })

  it('draws the counts as bars on the bottom axis', () => {
    const counts = o.series.filter((s: any) => s.xAxisIndex === 0)
    expect(counts.map((s: any) => [s.name, s.type, s.data])).toEqual([
      ['受理办件', 'bar', [12, 0]],
      ['办结办件', 'bar', [9, 0]],
      ['产生报警', 'bar', [3, 0]],
      ['报警已整改', 'bar', [2, 0]],
    ])
    expect(o.xAxis[0].minInterval).toBe(1)
  })

  it('draws the on-time rate in percent on the top axis, none as a gap', () => {
    const rate = o.series.find((s: any) => s.xAxisIndex === 1)
    expect(rate.name).toBe('按期办结率')
    expect(rate.data).toEqual([88.9, '-'])
    expect(o.xAxis[1]).toMatchObject({ position: 'top', min: 0, max: 100 })
    expect(rate.tooltip.valueFormatter(88.9)).toBe('88.9%')
    expect(rate.tooltip.valueFormatter('-')).toBe('—')
  })

  it('grows with the departments', () => {
    expect(chartHeight(0)).toBe(320)
    expect(chartHeight(40)).toBe(110 + 40 * 90)
  })

  it('names a department without a name by its code', () => {
    const x = statsChartOption([{ ...rows[0], department_name: '' }]) as any
    expect(x.yAxis.data).toEqual(['ZJJ'])
  })
})
