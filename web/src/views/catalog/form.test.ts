import { describe, expect, it } from 'vitest'
import { ApiError, fieldErrors } from '../../api'
import { emptyForm, emptyTier, formPath, formToItem, itemToForm, moveRow, placeErrors, rowHasError } from './form'
import type { CatalogItem } from './types'

const item: CatalogItem = {
  code: 'XK-001', version: 3, name: '建筑工程施工许可', category: '行政许可', department_code: 'ZJJ', status: 'active',
  legal_bases: [{ id: 'LB1', title: '《中华人民共和国建筑法》', article: '第八条' }],
  time_limit: { days: 15, unit: 'workday' },
  statutory_limit: { days: 20, unit: 'workday' },
  extension: { max_days: 10, times: 1, approver_role: 'dept_admin' },
  steps: [
    { code: 'accept', name: '受理' },
    { code: 'review', name: '审查', time_limit_days: 10, time_limit_unit: 'calendar' },
    { code: 'decide', name: '决定', risk_checkpoint: true, requires_approval: 'dept_inspector', ends_clock: true },
  ],
  discretion: {
    一般: { min: 1000, max: 5000, description: '首次违法' },
    货值较大: { base: 'goods_value', min_multiple: 10, max_multiple: 20 },
    'v1.2': { base: 'project_price', min_rate: 0.01, max_rate: 0.02 },
  },
  materials: [{ name: '申请表', copies: 1 }],
  contact: { phone: '12345' },
  fees: '不收费',
  created_at: '2026-03-02T01:00:00Z',
}

describe('item ⇄ form', () => {
  it('gives back the body of the item it was made from', () => {
    const body = formToItem(itemToForm(item))
    const { code: _c, version: _v, created_at: _a, ...want } = item
    expect(body).toEqual(want)
  })

  it.each([
    ['amount', '一般', { min: 1000, max: 5000, min_factor: null }],
    ['multiple', '货值较大', { base: 'goods_value', min_factor: 10, max_factor: 20, min: null }],
    ['rate', 'v1.2', { base: 'project_price', min_factor: 0.01, max_factor: 0.02 }],
  ])('reads a tier set as %s', (mode, name, want) => {
    const t = itemToForm(item).tiers.find((x) => x.name === name)!
    expect(t.mode).toBe(mode)
    expect(t).toMatchObject(want)
  })

  it('leaves out what the form leaves empty', () => {
    const f = emptyForm('ZJJ')
    f.code = 'N-1'
    f.name = ' 新事项 '
    f.category = '其他'
    f.time_limit.days = 5
    f.steps[0].code = 'accept'
    f.steps[0].name = '受理'
    const body = formToItem(f)
    expect(body).toEqual({
      name: '新事项', category: '其他', department_code: 'ZJJ', status: 'active',
      legal_bases: [{ id: '', title: '', article: '' }],
      time_limit: { days: 5, unit: 'workday' },
      steps: [{ code: 'accept', name: '受理' }],
      discretion: {},
    })
  })

  it('switching a tier from multiples to an amount sends amounts only', () => {
    const f = itemToForm(item)
    const t = f.tiers.find((x) => x.name === '货值较大')!
    t.mode = 'amount'
    t.min = 100
    t.max = 200
    expect(formToItem(f).discretion['货值较大']).toEqual({ min: 100, max: 200 })
  })
})

describe('moveRow', () => {
  it.each([
    [0, 2, ['b', 'c', 'a']],
    [2, 0, ['c', 'a', 'b']],
    [1, 1, ['a', 'b', 'c']],
    [1, 9, ['a', 'c', 'b']],
    [0, -3, ['a', 'b', 'c']],
    [5, 0, ['a', 'b', 'c']],
  ])('moves row %i to %i', (from, to, want) => {
    const rows = ['a', 'b', 'c']
    expect(moveRow(rows, from, to)).toEqual(want)
    expect(rows).toEqual(['a', 'b', 'c'])
  })

  it('keeps the step rows with their keys', () => {
    const f = itemToForm(item)
    const keys = f.steps.map((s) => s.key)
    const moved = moveRow(f.steps, 2, 1)
    expect(moved.map((s) => s.code)).toEqual(['accept', 'decide', 'review'])
    expect(moved.map((s) => s.key)).toEqual([keys[0], keys[2], keys[1]])
  })
})

describe('422 details at their fields', () => {
  const f = itemToForm(item)
  it.each([
    ['name', 'name'],
    ['time_limit.days', 'time_limit.days'],
    ['statutory_limit.days', 'statutory.days'],
    ['extension.times', 'extension.times'],
    ['legal_bases[0].title', 'legal_bases.0.title'],
    ['steps[2].code', 'steps.2.code'],
    ['steps[1].time_limit_unit', 'steps.1.time_limit_unit'],
    ['steps', 'steps'],
    ['materials[0].copies', 'materials.0.copies'],
    ['contact.phone', 'contact.phone'],
    ['discretion', 'tiers'],
    ['discretion.一般', 'tiers.0'],
    ['discretion.一般.description', 'tiers.0.description'],
    ['discretion.货值较大.max_multiple', 'tiers.1.max_factor'],
    ['discretion.v1.2.min_rate', 'tiers.2.min_factor'],
    ['discretion.不存在', 'tiers'],
    ['something_new', null],
  ])('%s → %s', (field, want) => {
    expect(formPath(field, f)).toBe(want)
  })

  it('places the details of an ApiError and keeps the rest apart', () => {
    const err = new ApiError(422, 'invalid_item', '权力事项不合法', [
      { field: 'steps[1].code', message: '环节编码重复' },
      { field: 'steps[1].code', message: '须以小写字母开头' },
      { field: 'time_limit.days', message: '承诺时限不得超过法定时限' },
      { field: 'mystery', message: '未知' },
    ])
    const placed = placeErrors(fieldErrors(err), f)
    expect(placed.at).toEqual({ 'steps.1.code': '环节编码重复；须以小写字母开头', 'time_limit.days': '承诺时限不得超过法定时限' })
    expect(placed.rest).toEqual(['mystery：未知'])
    expect(rowHasError(placed.at, 'steps.1')).toBe(true)
    expect(rowHasError(placed.at, 'steps.0')).toBe(false)
    expect(rowHasError(placed.at, 'steps.10')).toBe(false)
  })

  it('a new tier without a name is no match for a named one', () => {
    const g = itemToForm(item)
    g.tiers.push(emptyTier())
    expect(formPath('discretion.一般.max', g)).toBe('tiers.0.max')
  })
})
