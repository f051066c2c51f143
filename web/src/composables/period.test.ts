import { describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import { rangeModel } from './period'

describe('rangeModel', () => {
  it('shows a range only when both ends are set, by default', () => {
    const f = reactive({ from: '2026-03-01', to: '', other: 'x' })
    const r = rangeModel(f, 'from', 'to')
    expect(r.value).toBeNull()
    f.to = '2026-03-31'
    expect(r.value).toEqual(['2026-03-01', '2026-03-31'])
  })

  it('shows one end alone when either end is enough', () => {
    const f = reactive({ from: '', to: '2026-03-31' })
    const r = rangeModel(f, 'from', 'to', true)
    expect(r.value).toEqual(['', '2026-03-31'])
    f.to = ''
    expect(r.value).toBeNull()
  })

  it('writes the picked range into the two fields, and empties both when cleared', () => {
    const f = reactive({ start: '', end: '' })
    const r = rangeModel(f, 'start', 'end')
    r.value = ['2026-01-05', '2026-02-10']
    expect(f).toEqual({ start: '2026-01-05', end: '2026-02-10' })
    r.value = null
    expect(f).toEqual({ start: '', end: '' })
  })
})
