import { describe, expect, it } from 'vitest'
import { changeSummary, diffFields, diffSteps, stepText, tierText } from './diff'
import type { CatalogItem } from './types'
import { licensingItem } from '@/testing/items'

const v1: CatalogItem = licensingItem()

function edit(f: (it: CatalogItem) => void): CatalogItem {
  const it: CatalogItem = JSON.parse(JSON.stringify(v1))
  it.version = 2
  f(it)
  return it
}

describe('diffFields', () => {
  it('marks only the fields that changed', () => {
    const v2 = edit((it) => {
      it.time_limit.days = 12
      it.legal_bases.push({ id: 'LB2', title: '《建筑工程施工许可管理办法》', article: '第四条' })
    })
    const d = diffFields(v1, v2)
    expect(d.filter((f) => f.changed).map((f) => f.key)).toEqual(['legal_bases', 'time_limit'])
    const tl = d.find((f) => f.key === 'time_limit')!
    expect([tl.before, tl.after]).toEqual(['15 个工作日', '12 个工作日'])
    expect(diffFields(v1, v2, (c) => (c === 'ZJJ' ? '区住房和城乡建设局' : c)).find((f) => f.key === 'department_code')!.after).toBe('区住房和城乡建设局')
  })

  it('a first version has nothing changed', () => {
    expect(diffFields(null, v1).some((f) => f.changed)).toBe(false)
  })

  it('reads tiers whatever their order', () => {
    const a = edit((it) => (it.discretion = { 甲: { min: 1, max: 2 }, 乙: { min: 3, max: 4 } }))
    const b = edit((it) => (it.discretion = { 乙: { min: 3, max: 4 }, 甲: { min: 1, max: 2 } }))
    expect(diffFields(a, b).find((f) => f.key === 'discretion')!.changed).toBe(false)
  })
})

describe('diffSteps', () => {
  const changes = (after: CatalogItem) => diffSteps(v1, after).map((s) => `${s.code}:${s.change}`)

  it.each([
    ['nothing', (_: CatalogItem) => {}, ['accept:same', 'review:same', 'decide:same', 'deliver:same']],
    ['a limit', (it: CatalogItem) => (it.steps[1].time_limit_days = 5), ['accept:same', 'review:changed', 'decide:same', 'deliver:same']],
    [
      'two steps swapped',
      (it: CatalogItem) => (it.steps = [it.steps[0], it.steps[2], it.steps[1], it.steps[3]]),
      ['accept:same', 'decide:moved', 'review:moved', 'deliver:same'],
    ],
    [
      'a step added',
      (it: CatalogItem) => it.steps.splice(1, 0, { code: 'survey', name: '现场勘查', time_limit_days: 3 }),
      ['accept:same', 'survey:added', 'review:same', 'decide:same', 'deliver:same'],
    ],
    ['a step removed', (it: CatalogItem) => it.steps.splice(3, 1), ['accept:same', 'review:same', 'decide:same', 'deliver:removed']],
    ['checkpoint taken off', (it: CatalogItem) => (it.steps[2].risk_checkpoint = false), ['accept:same', 'review:same', 'decide:changed', 'deliver:same']],
  ])('%s', (_name, f, want) => {
    expect(changes(edit(f))).toEqual(want)
  })

  it('gives the positions before and after', () => {
    const d = diffSteps(v1, edit((it) => it.steps.reverse()))
    expect(d.map((s) => [s.code, s.beforeIndex, s.afterIndex])).toEqual([
      ['deliver', 4, 1], ['decide', 3, 2], ['review', 2, 3], ['accept', 1, 4],
    ])
  })

  it('a step in the item unit reads in that unit', () => {
    expect(stepText(v1.steps[1], 'calendar')).toBe('审查（review）：时限 10 个自然日')
    expect(stepText(v1.steps[2], 'workday')).toBe('决定（decide）：廉政风险防控点；须监察人员审批；办理时限止算')
  })

  it('counts the changes', () => {
    const v2 = edit((it) => {
      it.name = '新名称'
      it.steps[1].time_limit_days = 5
    })
    expect(changeSummary(diffFields(v1, v2), diffSteps(v1, v2))).toBe('2 处变更')
    expect(changeSummary(diffFields(v1, v1), diffSteps(v1, v1))).toBe('无变更')
  })
})

describe('tierText', () => {
  it.each([
    [{ min: 1000, max: 5000 }, '一般：1000–5000 元'],
    [{ base: 'goods_value', min_multiple: 10, max_multiple: 20 }, '一般：goods_value 的 10–20 倍'],
    [{ base: 'project_price', min_rate: 0.015, max_rate: 0.02, description: '严重' }, '一般：project_price 的 1.5%–2%（严重）'],
  ])('%o', (t, want) => {
    expect(tierText('一般', t)).toBe(want)
  })
})
