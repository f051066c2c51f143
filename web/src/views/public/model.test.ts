import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api'
import {
  contactRows, hasText, materialText,
  discretionTiers, limitText, LOOKUP_NOT_FOUND, LOOKUP_TOO_MANY, lookupErrorMessage, mergeDepartments, normalizeQueryCode, stepLimit,
} from './model'
import { lastMonth } from './month'

describe('limitText', () => {
  it('names the unit in Chinese', () => {
    expect(limitText({ days: 7, unit: 'workday' })).toBe('7 个工作日')
    expect(limitText({ days: 90, unit: 'calendar' })).toBe('90 个自然日')
  })
  it('falls back to days for an unknown unit, and a dash for none', () => {
    expect(limitText({ days: 5, unit: 'fortnight' })).toBe('5 天')
    expect(limitText(null)).toBe('—')
    expect(limitText(undefined)).toBe('—')
  })
})

describe('stepLimit', () => {
  it("takes the step's own unit, else the item's", () => {
    expect(stepLimit({ code: 'deliver', name: '送达', time_limit_days: 7, time_limit_unit: 'workday' }, 'calendar')).toEqual({ days: 7, unit: 'workday' })
    expect(stepLimit({ code: 'review', name: '审查', time_limit_days: 5, time_limit_unit: '' }, 'calendar')).toEqual({ days: 5, unit: 'calendar' })
    expect(stepLimit({ code: 'review', name: '审查', time_limit_days: 5 }, undefined)).toEqual({ days: 5, unit: 'workday' })
  })
  it('is null for a step without a limit of its own', () => {
    expect(stepLimit({ code: 'accept', name: '受理' }, 'workday')).toBeNull()
    expect(stepLimit({ code: 'accept', name: '受理', time_limit_days: 0 }, 'workday')).toBeNull()
    expect(stepLimit({ code: 'accept', name: '受理', time_limit_days: null }, 'workday')).toBeNull()
  })
})

describe('discretionTiers', () => {
  it('puts the known shapes in a sentence', () => {
    const tiers = discretionTiers({
      一般: { base: 'project_price', min_rate: 0.01, max_rate: 0.015, description: '及时停工的' },
      货值金额不足一万元: { min: 50000, max: 100000 },
      货值金额一万元以上: { base: 'goods_value', min_multiple: 10, max_multiple: 20 },
    })
    expect(tiers).toEqual([
      { name: '一般', range: '工程合同价款的 1% 以上 1.5% 以下', description: '及时停工的', fields: [] },
      { name: '货值金额不足一万元', range: '50,000 元以上 100,000 元以下', description: '', fields: [] },
      { name: '货值金额一万元以上', range: '货值金额的 10 倍以上 20 倍以下', description: '', fields: [] },
    ])
  })
  it('shows any other shape as label and value', () => {
    const [t] = discretionTiers({ 特别严重: { base: 'other_base', min: 1, ceiling: 'x', repeat: true } })
    expect(t.range).toBe('')
    expect(t.fields).toEqual([
      { label: '计算基数', value: '规定基数' },
      { label: '下限（元）', value: '1' },
      { label: 'ceiling', value: 'x' },
      { label: 'repeat', value: '是' },
    ])
    expect(discretionTiers({ 警告: { min: 0, max: 0, description: '初次违法的，予以警告' } })).toEqual([
      { name: '警告', range: '', description: '初次违法的，予以警告', fields: [] },
    ])
    expect(discretionTiers({ 说明: '按有关规定执行' })).toEqual([{ name: '说明', range: '', description: '按有关规定执行', fields: [] }])
  })
  it('is empty for no standards', () => {
    expect(discretionTiers(null)).toEqual([])
    expect(discretionTiers({})).toEqual([])
  })
})

describe('lookupErrorMessage', () => {
  it('says the same for an unknown case and a wrong code', () => {
    expect(lookupErrorMessage(new ApiError(404, 'not_found', '办件不存在'))).toBe('未找到该办件，请核对办件编号和查询码')
    expect(LOOKUP_NOT_FOUND).toBe('未找到该办件，请核对办件编号和查询码')
  })
  it('asks to wait after too many lookups', () => {
    expect(lookupErrorMessage(new ApiError(429, 'too_many_requests', 'x'))).toBe(LOOKUP_TOO_MANY)
    expect(LOOKUP_TOO_MANY).toBe('查询过于频繁，请稍后再试')
  })
  it("passes the server's message on otherwise", () => {
    expect(lookupErrorMessage(new ApiError(400, 'bad_request', '查询码格式不正确'))).toBe('查询码格式不正确')
    expect(lookupErrorMessage(new ApiError(0, 'network', '无法连接服务器，请检查网络后重试'))).toBe('无法连接服务器，请检查网络后重试')
  })
})

describe('helpers', () => {
  it('normalizeQueryCode drops spaces', () => {
    expect(normalizeQueryCode(' AB12 CD34 ')).toBe('AB12CD34')
  })
  it('mergeDepartments keeps the first name and orders by code', () => {
    const d = mergeDepartments([{ code: 'ZJJ', name: '区住房和城乡建设局' }], [
      { department_code: 'SCJ', department_name: '区市场监督管理局' },
      { department_code: 'ZJJ', department_name: '另一个名字' },
      { department_code: '', department_name: '无编码' },
    ])
    expect(d).toEqual([
      { code: 'SCJ', name: '区市场监督管理局' },
      { code: 'ZJJ', name: '区住房和城乡建设局' },
    ])
  })
  it('lastMonth is the month before in Asia/Shanghai', () => {
    expect(lastMonth(new Date('2026-03-15T00:00:00+08:00'))).toBe('2026-02')
    expect(lastMonth(new Date('2026-01-01T00:30:00+08:00'))).toBe('2025-12')
    // 2026-01-31 20:00 UTC is already February in Shanghai.
    expect(lastMonth(new Date('2026-01-31T20:00:00Z'))).toBe('2026-01')
  })
})

describe('materials and contact', () => {
  it('materialText takes a name or a name with copies and a note', () => {
    expect(materialText('营业执照')).toBe('营业执照')
    expect(materialText({ name: '施工合同', copies: 2, note: '加盖公章' })).toBe('施工合同（2 份；加盖公章）')
    expect(materialText({ name: '身份证明', copies: 0, note: '' })).toBe('身份证明')
    expect(materialText({ name: ' ' })).toBe('')
    expect(materialText(null)).toBe('')
  })
  it('contactRows labels phone, address and hours', () => {
    expect(contactRows({ phone: '0571-12345678', address: '行政服务中心 3 号窗口', hours: '', fax: '0571-1' })).toEqual([
      { label: '咨询电话', value: '0571-12345678' },
      { label: '咨询地址', value: '行政服务中心 3 号窗口' },
      { label: 'fax', value: '0571-1' },
    ])
    expect(contactRows('电话 12345')).toEqual([{ label: '', value: '电话 12345' }])
    expect(contactRows('')).toEqual([])
    expect(contactRows(null)).toEqual([])
    expect(contactRows({})).toEqual([])
  })
  it('hasText', () => {
    expect(hasText(' x ')).toBe(true)
    expect(hasText('  ')).toBe(false)
    expect(hasText({})).toBe(false)
  })
})
