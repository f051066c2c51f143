// The item form's model: an item ⇄ the form's state, the order of the flow's
// steps, and the 422 details of PUT /power-items/{code} placed at the form's
// fields. The form keeps rows (legal bases, steps, tiers, materials) as
// arrays with a key each, so that drag and drop and error messages follow
// the row, not its position.
import type { CatalogItem, FlowStep, ItemBody, Tier } from './types'

export type UnitValue = 'workday' | 'calendar'
export type TierMode = 'amount' | 'multiple' | 'rate'

export interface BasisRow {
  key: string
  id: string
  title: string
  article: string
}

export interface StepRow {
  key: string
  code: string
  name: string
  /** null: the step has no limit of its own. */
  time_limit_days: number | null
  /** '': the item's unit. */
  time_limit_unit: '' | UnitValue
  risk_checkpoint: boolean
  requires_approval: string
  ends_clock: boolean
  requires_legal_review: boolean
  requires_hearing_notice: boolean
}

export interface TierRow {
  key: string
  name: string
  mode: TierMode
  min: number | null
  max: number | null
  base: string
  min_factor: number | null
  max_factor: number | null
  description: string
}

export interface MaterialRow {
  key: string
  name: string
  copies: number | null
  note: string
}

export interface ItemForm {
  code: string
  name: string
  category: string
  department_code: string
  status: string
  legal_bases: BasisRow[]
  time_limit: { days: number | null; unit: UnitValue }
  statutory: { enabled: boolean; days: number | null; unit: UnitValue }
  extension: { enabled: boolean; max_days: number | null; unit: '' | UnitValue; times: number | null; approver_role: string }
  steps: StepRow[]
  tiers: TierRow[]
  conditions: string
  materials: MaterialRow[]
  fees: string
  service_channel: string
  contact: { phone: string; address: string; hours: string }
}

let seq = 0
/** A key for a new row, unique in this page's life. */
export function rowKey(prefix = 'r'): string {
  seq += 1
  return `${prefix}${seq}`
}

const unitOf = (u: string | undefined, dflt: UnitValue = 'workday'): UnitValue => (u === 'calendar' ? 'calendar' : u === 'workday' ? 'workday' : dflt)

export function emptyStep(): StepRow {
  return {
    key: rowKey('s'), code: '', name: '', time_limit_days: null, time_limit_unit: '', risk_checkpoint: false,
    requires_approval: '', ends_clock: false, requires_legal_review: false, requires_hearing_notice: false,
  }
}

export function emptyBasis(): BasisRow {
  return { key: rowKey('b'), id: '', title: '', article: '' }
}

export function emptyTier(): TierRow {
  return { key: rowKey('t'), name: '', mode: 'amount', min: null, max: null, base: '', min_factor: null, max_factor: null, description: '' }
}

export function emptyMaterial(): MaterialRow {
  return { key: rowKey('m'), name: '', copies: null, note: '' }
}

/** The form of a new item. */
export function emptyForm(department = ''): ItemForm {
  return {
    code: '', name: '', category: '', department_code: department, status: 'active',
    legal_bases: [emptyBasis()],
    time_limit: { days: null, unit: 'workday' },
    statutory: { enabled: false, days: null, unit: 'workday' },
    extension: { enabled: false, max_days: null, unit: '', times: null, approver_role: '' },
    steps: [emptyStep()],
    tiers: [],
    conditions: '', materials: [], fees: '', service_channel: '',
    contact: { phone: '', address: '', hours: '' },
  }
}

function tierRow(name: string, t: Tier): TierRow {
  const mode: TierMode = !t.base ? 'amount' : t.min_rate || t.max_rate ? 'rate' : 'multiple'
  return {
    key: rowKey('t'), name, mode,
    min: mode === 'amount' ? (t.min ?? 0) : null,
    max: mode === 'amount' ? (t.max ?? 0) : null,
    base: t.base ?? '',
    min_factor: mode === 'rate' ? (t.min_rate ?? 0) : mode === 'multiple' ? (t.min_multiple ?? 0) : null,
    max_factor: mode === 'rate' ? (t.max_rate ?? 0) : mode === 'multiple' ? (t.max_multiple ?? 0) : null,
    description: t.description ?? '',
  }
}

/** The form's state of a stored item. */
export function itemToForm(it: CatalogItem): ItemForm {
  const f = emptyForm(it.department_code)
  f.code = it.code
  f.name = it.name
  f.category = it.category
  f.status = it.status || 'active'
  f.legal_bases = (it.legal_bases ?? []).map((b) => ({ key: rowKey('b'), id: b.id, title: b.title, article: b.article ?? '' }))
  f.time_limit = { days: it.time_limit?.days ?? null, unit: unitOf(it.time_limit?.unit) }
  if (it.statutory_limit) f.statutory = { enabled: true, days: it.statutory_limit.days, unit: unitOf(it.statutory_limit.unit) }
  if (it.extension) {
    const e = it.extension
    f.extension = { enabled: true, max_days: e.max_days ?? null, unit: e.unit ? unitOf(e.unit) : '', times: e.times ?? null, approver_role: e.approver_role ?? '' }
  }
  f.steps = (it.steps ?? []).map((s) => ({
    key: rowKey('s'), code: s.code, name: s.name,
    time_limit_days: s.time_limit_days ? s.time_limit_days : null,
    time_limit_unit: s.time_limit_unit ? unitOf(s.time_limit_unit) : '',
    risk_checkpoint: !!s.risk_checkpoint, requires_approval: s.requires_approval ?? '', ends_clock: !!s.ends_clock,
    requires_legal_review: !!s.requires_legal_review, requires_hearing_notice: !!s.requires_hearing_notice,
  }))
  f.tiers = Object.entries(it.discretion ?? {}).map(([name, t]) => tierRow(name, t))
  f.conditions = it.conditions ?? ''
  f.materials = (it.materials ?? []).map((m) => ({ key: rowKey('m'), name: m.name, copies: m.copies ?? null, note: m.note ?? '' }))
  f.fees = it.fees ?? ''
  f.service_channel = it.service_channel ?? ''
  f.contact = { phone: it.contact?.phone ?? '', address: it.contact?.address ?? '', hours: it.contact?.hours ?? '' }
  return f
}

function stepBody(s: StepRow): FlowStep {
  const out: FlowStep = { code: s.code.trim(), name: s.name.trim() }
  if (s.time_limit_days != null && s.time_limit_days !== 0) out.time_limit_days = s.time_limit_days
  if (s.time_limit_unit) out.time_limit_unit = s.time_limit_unit
  if (s.risk_checkpoint) out.risk_checkpoint = true
  if (s.requires_approval) out.requires_approval = s.requires_approval
  if (s.ends_clock) out.ends_clock = true
  if (s.requires_legal_review) out.requires_legal_review = true
  if (s.requires_hearing_notice) out.requires_hearing_notice = true
  return out
}

function tierBody(t: TierRow): Tier {
  const out: Tier = {}
  if (t.mode === 'amount') {
    out.min = t.min ?? 0
    out.max = t.max ?? 0
  } else {
    out.base = t.base.trim()
    if (t.mode === 'multiple') {
      out.min_multiple = t.min_factor ?? 0
      out.max_multiple = t.max_factor ?? 0
    } else {
      out.min_rate = t.min_factor ?? 0
      out.max_rate = t.max_factor ?? 0
    }
  }
  if (t.description.trim()) out.description = t.description.trim()
  return out
}

/** The body of PUT /power-items/{code} of the form; the server validates it. */
export function formToItem(f: ItemForm): ItemBody {
  const body: ItemBody = {
    name: f.name.trim(),
    category: f.category,
    department_code: f.department_code,
    status: f.status,
    legal_bases: f.legal_bases.map((b) => ({ id: b.id.trim(), title: b.title.trim(), article: b.article.trim() })),
    time_limit: { days: f.time_limit.days ?? 0, unit: f.time_limit.unit },
    steps: f.steps.map(stepBody),
    discretion: Object.fromEntries(f.tiers.map((t) => [t.name.trim(), tierBody(t)])),
  }
  if (f.statutory.enabled) body.statutory_limit = { days: f.statutory.days ?? 0, unit: f.statutory.unit }
  if (f.extension.enabled) {
    const e = f.extension
    body.extension = {}
    if (e.max_days) body.extension.max_days = e.max_days
    if (e.unit) body.extension.unit = e.unit
    if (e.times) body.extension.times = e.times
    if (e.approver_role) body.extension.approver_role = e.approver_role
  }
  if (f.conditions.trim()) body.conditions = f.conditions.trim()
  if (f.materials.length) {
    body.materials = f.materials.map((m) => {
      const out: { name: string; copies?: number; note?: string } = { name: m.name.trim() }
      if (m.copies) out.copies = m.copies
      if (m.note.trim()) out.note = m.note.trim()
      return out
    })
  }
  if (f.fees.trim()) body.fees = f.fees.trim()
  if (f.service_channel.trim()) body.service_channel = f.service_channel.trim()
  const c = f.contact
  if (c.phone.trim() || c.address.trim() || c.hours.trim()) {
    body.contact = {}
    if (c.phone.trim()) body.contact.phone = c.phone.trim()
    if (c.address.trim()) body.contact.address = c.address.trim()
    if (c.hours.trim()) body.contact.hours = c.hours.trim()
  }
  return body
}

/** rows with the row at from moved to position to (both clamped); a new array. */
export function moveRow<T>(rows: T[], from: number, to: number): T[] {
  const out = rows.slice()
  if (from < 0 || from >= rows.length) return out
  const target = Math.max(0, Math.min(rows.length - 1, to))
  if (target === from) return out
  const [row] = out.splice(from, 1)
  out.splice(target, 0, row)
  return out
}

// ---- the 422 details at their fields ---------------------------------------

const TIER_FIELDS: Record<string, string> = {
  min: 'min', max: 'max', base: 'base', description: 'description',
  min_multiple: 'min_factor', max_multiple: 'max_factor', min_rate: 'min_factor', max_rate: 'max_factor',
}

/**
 * The form path (an el-form-item's prop, e.g. 'steps.2.code') where the
 * server's field path (e.g. 'steps[2].code') is shown; null when the form
 * has no place for it (the message is then shown above the form). Tiers are
 * named in the API and listed in the form: 'discretion.一般.max' is the
 * row whose name is 一般.
 */
export function formPath(field: string, f: Pick<ItemForm, 'tiers'>): string | null {
  const idx = /^(legal_bases|steps|materials)\[(\d+)\](?:\.(\w+))?$/.exec(field)
  if (idx) return idx[3] ? `${idx[1]}.${idx[2]}.${idx[3]}` : `${idx[1]}.${idx[2]}`
  if (field === 'discretion') return 'tiers'
  if (field.startsWith('discretion.')) {
    const rest = field.slice('discretion.'.length)
    // The longest tier name that the rest starts with: names may hold dots.
    let best = -1
    let bestLen = -1
    f.tiers.forEach((t, i) => {
      const n = t.name.trim()
      if ((rest === n || rest.startsWith(`${n}.`)) && n.length > bestLen) {
        best = i
        bestLen = n.length
      }
    })
    if (best < 0) return 'tiers'
    const sub = rest.slice(bestLen + 1)
    return sub ? `tiers.${best}.${TIER_FIELDS[sub] ?? 'name'}` : `tiers.${best}`
  }
  if (field.startsWith('statutory_limit.')) return `statutory.${field.slice('statutory_limit.'.length)}`
  const known = [
    'code', 'name', 'category', 'department_code', 'status', 'legal_bases', 'steps', 'materials',
    'time_limit.days', 'time_limit.unit', 'extension.max_days', 'extension.unit', 'extension.times',
    'extension.approver_role', 'conditions', 'fees', 'service_channel', 'contact.phone', 'contact.address', 'contact.hours',
  ]
  return known.includes(field) ? field : null
}

export interface PlacedErrors {
  /** form path → message(s), for el-form-item :error. */
  at: Record<string, string>
  /** Messages with no field of the form. */
  rest: string[]
}

/** The field errors (api.ts fieldErrors: server field → message) placed on the form. */
export function placeErrors(fields: Record<string, string>, f: Pick<ItemForm, 'tiers'>): PlacedErrors {
  const out: PlacedErrors = { at: {}, rest: [] }
  for (const [field, message] of Object.entries(fields)) {
    const p = formPath(field, f)
    if (p == null) out.rest.push(`${field}：${message}`)
    else out.at[p] = out.at[p] ? `${out.at[p]}；${message}` : message
  }
  return out
}

/** Whether any error sits inside the row at prefix (e.g. 'steps.2'): the row is marked. */
export function rowHasError(at: Record<string, string>, prefix: string): boolean {
  return Object.keys(at).some((k) => k === prefix || k.startsWith(`${prefix}.`))
}
