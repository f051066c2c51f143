// What the public pages show, worked out apart from the pages: periods,
// discretion standards, the case lookup's messages, the department filter.
import { ApiError, errorMessage } from '../../api'
import { UNIT_LABELS } from '../../format'
import type { Unit } from '../../format'
import type { DepartmentOption, PublicContact, PublicFlowStep, PublicLimit, PublicMaterial } from './types'

/** The categories of power items (internal/compliance/domain.go), in their order. */
export const ITEM_CATEGORIES = ['行政许可', '行政处罚', '行政强制', '行政征收', '行政给付', '行政检查', '行政确认', '行政奖励', '行政裁决', '其他']

/** '7 个工作日', '90 个自然日', '5 天' (an unknown unit); '—' for none. */
export function limitText(l: PublicLimit | null | undefined): string {
  if (!l || typeof l.days !== 'number') return '—'
  const unit = UNIT_LABELS[l.unit as Unit]
  return unit ? `${l.days} 个${unit}` : `${l.days} 天`
}

/** A step's own limit in the item's unit unless it has one; null when the step has none. */
export function stepLimit(step: PublicFlowStep, itemUnit: string | undefined): PublicLimit | null {
  const days = step.time_limit_days
  if (typeof days !== 'number' || days <= 0) return null
  return { days, unit: step.time_limit_unit || itemUnit || 'workday' }
}

// ---- materials and contact ------------------------------------------------------

/** A material in a line: '身份证明（原件 1 份；复印件加盖公章）'; '' for none. */
export function materialText(m: PublicMaterial | null | undefined): string {
  if (m == null) return ''
  if (typeof m === 'string') return m.trim()
  const name = typeof m.name === 'string' ? m.name.trim() : ''
  if (!name) return ''
  const extra: string[] = []
  if (typeof m.copies === 'number' && m.copies > 0) extra.push(`${m.copies} 份`)
  if (typeof m.note === 'string' && m.note.trim()) extra.push(m.note.trim())
  return extra.length ? `${name}（${extra.join('；')}）` : name
}

const CONTACT_LABELS: Record<string, string> = { phone: '咨询电话', address: '咨询地址', hours: '办公时间', email: '电子邮箱', website: '网址' }

/** The contact as label and value rows (a label of '' for contact given as one text). */
export function contactRows(c: PublicContact | null | undefined): { label: string; value: string }[] {
  if (c == null) return []
  if (typeof c === 'string') return c.trim() ? [{ label: '', value: c }] : []
  if (typeof c !== 'object') return []
  return Object.entries(c)
    .filter(([, v]) => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number')
    .map(([k, v]) => ({ label: CONTACT_LABELS[k] ?? k, value: String(v) }))
}

/** Whether a text field says anything. */
export function hasText(s: unknown): s is string {
  return typeof s === 'string' && s.trim() !== ''
}

// ---- discretion standards (裁量基准) ------------------------------------------

/** Bases of a tier's amount that the demo and the catalogs use. */
const BASE_LABELS: Record<string, string> = {
  project_price: '工程合同价款',
  goods_value: '货值金额',
  illegal_income: '违法所得',
  contract_price: '合同价款',
}

/** Labels of a tier's fields, for those shown one by one. */
const TIER_FIELD_LABELS: Record<string, string> = {
  min: '下限（元）',
  max: '上限（元）',
  base: '计算基数',
  min_multiple: '最低倍数',
  max_multiple: '最高倍数',
  min_rate: '最低比例',
  max_rate: '最高比例',
  description: '说明',
}

export interface DiscretionTier {
  /** The tier's name (e.g. 一般, 严重). */
  name: string
  /** The range in a sentence, when the tier has a known shape. */
  range: string
  description: string
  /** Every other field, as label and value. */
  fields: { label: string; value: string }[]
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const money = (n: number) => n.toLocaleString('zh-CN', { maximumFractionDigits: 2 })
const percent = (r: number) => `${Number((r * 100).toFixed(4))}%`

function baseLabel(v: unknown): string {
  return typeof v === 'string' && BASE_LABELS[v] ? BASE_LABELS[v] : '规定基数'
}

function fieldValue(key: string, v: unknown): string {
  if (v == null || v === '') return '—'
  if (key === 'base') return baseLabel(v)
  if (num(v)) return key.endsWith('_rate') ? percent(v) : money(v)
  if (typeof v === 'boolean') return v ? '是' : '否'
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

/**
 * The discretion standards of an item as the page shows them: a sentence for
 * the shapes the catalog knows (an amount range, a rate or a multiple of a
 * base), and every other field as label and value.
 */
export function discretionTiers(d: Record<string, unknown> | null | undefined): DiscretionTier[] {
  if (!d || typeof d !== 'object') return []
  return Object.entries(d).map(([name, raw]) => {
    if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) {
      return { name, range: '', description: raw == null ? '' : fieldValue('', raw), fields: [] }
    }
    const t = raw as Record<string, unknown>
    const used = new Set<string>(['description'])
    let range = ''
    if (t.base != null && num(t.min_rate) && num(t.max_rate)) {
      range = `${baseLabel(t.base)}的 ${percent(t.min_rate)} 以上 ${percent(t.max_rate)} 以下`
      ;['base', 'min_rate', 'max_rate', 'min', 'max', 'min_multiple', 'max_multiple'].forEach((k) => used.add(k))
    } else if (t.base != null && num(t.min_multiple) && num(t.max_multiple)) {
      range = `${baseLabel(t.base)}的 ${money(t.min_multiple)} 倍以上 ${money(t.max_multiple)} 倍以下`
      ;['base', 'min_multiple', 'max_multiple', 'min', 'max', 'min_rate', 'max_rate'].forEach((k) => used.add(k))
    } else if (t.base == null && num(t.min) && num(t.max) && t.max > 0) {
      range = `${money(t.min)} 元以上 ${money(t.max)} 元以下`
      used.add('min').add('max')
    } else if (t.base == null && t.min === 0 && t.max === 0) {
      used.add('min').add('max') // no amount at all (e.g. a warning only)
    }
    const fields = Object.entries(t)
      .filter(([k, v]) => !used.has(k) && v != null && v !== '')
      .map(([k, v]) => ({ label: TIER_FIELD_LABELS[k] ?? k, value: fieldValue(k, v) }))
    const description = typeof t.description === 'string' ? t.description : ''
    return { name, range, description, fields }
  })
}

// ---- the case lookup ----------------------------------------------------------

export const LOOKUP_NOT_FOUND = '未找到该办件，请核对办件编号和查询码'
export const LOOKUP_TOO_MANY = '查询过于频繁，请稍后再试'

/**
 * The message for a failed lookup: one message for an unknown case and a
 * wrong code alike (the server does not tell them apart either).
 */
export function lookupErrorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404) return LOOKUP_NOT_FOUND
    if (e.status === 429) return LOOKUP_TOO_MANY
  }
  return errorMessage(e)
}

/** The length of a query code (查询码). */
export const QUERY_CODE_LENGTH = 8

/** The query code as typed, without spaces around or inside it. */
export function normalizeQueryCode(s: string): string {
  return s.replace(/\s+/g, '')
}

// ---- the department filter ------------------------------------------------------

/** departments with those of more added (first name wins), ordered by code. */
export function mergeDepartments(departments: DepartmentOption[], more: { department_code: string; department_name: string }[]): DepartmentOption[] {
  const byCode = new Map(departments.map((d) => [d.code, d]))
  for (const m of more) {
    if (m.department_code && !byCode.has(m.department_code)) {
      byCode.set(m.department_code, { code: m.department_code, name: m.department_name || m.department_code })
    }
  }
  return [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code))
}
