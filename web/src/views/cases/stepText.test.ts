import { describe, expect, it } from 'vitest'
import { attributeReason, basisText, enteredLate, extensionDays, money, periodText } from './stepText'
import type { PowerItem } from './types'

const item = { legal_bases: [{ id: 'LB1', title: '《中华人民共和国建筑法》', article: '第八条' }] } as unknown as PowerItem

describe('step texts', () => {
  it('names a cited basis, or says the item does not list it', () => {
    expect(basisText(item, 'LB1')).toBe('《中华人民共和国建筑法》第八条')
    expect(basisText(item, 'LB9')).toBe('LB9（清单中没有）')
    expect(basisText(null, 'LB1')).toBe('LB1（清单中没有）')
  })

  it('words a period with its extension and suspension', () => {
    const d = { days: 20, unit: 'workday', extension_days: 0, suspended_days: null }
    expect(periodText(d)).toBe('20 个工作日')
    expect(periodText({ ...d, extension_days: 10, suspended_days: 3 })).toBe('20 个工作日，延长 10 天，扣除中止 3 天')
  })

  it('reads the attributes of extension and suspension steps', () => {
    expect(extensionDays({ attributes: { extension_days: 15 } })).toBe('15 天')
    expect(extensionDays({ attributes: {} })).toBe('未写明')
    expect(attributeReason({ attributes: { reason: '鉴定' } })).toBe('鉴定')
    expect(attributeReason({ attributes: { reason: 3 } })).toBe('')
    expect(money(1234567)).toBe('1,234,567')
  })

  it('tells a step entered more than an hour late', () => {
    const at = '2026-03-02T09:00:00+08:00'
    expect(enteredLate({ occurred_at: at, recorded_at: '2026-03-02T10:00:00+08:00' })).toBe(false)
    expect(enteredLate({ occurred_at: at, recorded_at: '2026-03-02T10:00:01+08:00' })).toBe(true)
  })
})
