// The policy API as the workbench reads it (GET/PUT /api/v1/policies…,
// /rules), and the small decisions the pages make from it.
import { api } from '../../api'
import type { SourceModule } from './diff'

export type ModuleStateName = 'active' | 'draft' | 'new' | 'removed'

export interface RuleInfo {
  family: string
  title: string
  description?: string
  level?: string
  basis?: string
  module: string
  line: number
  rules: string[] | null
}

export interface ModuleState {
  module: string
  source: string
  state: ModuleStateName
  draft?: string
  updated_by?: string
  updated_at?: string
  rules?: RuleInfo[]
}

export interface PolicyDraft {
  module: string
  source: string
  updated_by: string
  updated_at: string
}

export interface RevisionChange {
  added: string[] | null
  changed: string[] | null
  removed: string[] | null
  params?: string[] | null
  rollback_of?: number
}

export interface Revision {
  revision: number
  digest: string
  changes: RevisionChange
  created_by: string
  note?: string
  created_at: string
}

export interface RevisionDetail extends Revision {
  modules: SourceModule[]
  params: Record<string, unknown>
}

export type TestStatus = 'pass' | 'fail' | 'error' | 'skip'

export interface TestResult {
  package: string
  module: string
  name: string
  line: number
  status: TestStatus
  message?: string
  duration_ms: number
}

export interface TestReport {
  revision: number
  drafts: string[]
  passed: number
  failed: number
  skipped: number
  seconds: number
  results: TestResult[]
}

export interface ImpactExample {
  case_no: string
  step_id: string
  message: string
  date?: string
}

export interface ImpactCount {
  rule: string
  level: string
  department_code: string
  count: number
  examples: ImpactExample[] | null
}

export interface ParamChange {
  path: string
  from: unknown
  to: unknown
}

export interface ImpactReport {
  from: string
  to: string
  steps: number
  failed: number
  patrol_days: number
  truncated: boolean
  seconds: number
  appear: ImpactCount[] | null
  disappear: ImpactCount[] | null
  params: ParamChange[] | null
}

export const policyApi = {
  modules: () => api.get<{ revision: number; modules: ModuleState[] | null }>('/policies'),
  saveDraft: (module: string, source: string) => api.put<PolicyDraft>(`/policies/${encodeURIComponent(module)}`, { source }),
  runTests: () => api.post<TestReport>('/policies/tests'),
  impact: (from: string, to: string) => api.post<ImpactReport>('/policies/impact', { from, to }),
  publish: (note: string) => api.post<Revision>('/policies/publish', note ? { note } : {}),
  rollback: (revision: number) => api.post<Revision>('/policies/rollback', { revision }),
  revisions: () => api.get<{ items: Revision[] | null; active: number }>('/policies/revisions'),
  revision: (n: number) => api.get<RevisionDetail>(`/policies/revisions/${n}`),
  rules: () => api.get<{ revision: number; items: RuleInfo[] | null }>('/rules'),
}

export const STATE_LABELS: Record<ModuleStateName, string> = {
  active: '现行',
  draft: '草稿',
  new: '新增草稿',
  removed: '待删除',
}

export function stateTagType(s: ModuleStateName): 'success' | 'warning' | 'primary' | 'danger' {
  return s === 'active' ? 'success' : s === 'draft' ? 'warning' : s === 'new' ? 'primary' : 'danger'
}

export const TEST_STATUS_LABELS: Record<TestStatus, string> = { pass: '通过', fail: '未通过', error: '出错', skip: '跳过' }

export function testTagType(s: TestStatus): 'success' | 'danger' | 'warning' | 'info' {
  return s === 'pass' ? 'success' : s === 'fail' ? 'danger' : s === 'error' ? 'warning' : 'info'
}

/** The text of a module as it would be published: its draft, or the source in force. */
export function candidateSource(m: ModuleState): string | null {
  if (m.state === 'removed') return null
  if (m.state === 'draft' || m.state === 'new') return m.draft ?? ''
  return m.source
}

/** The modules in force, and those publishing now would put in force. */
export function activeAndCandidate(ms: ModuleState[]): { active: SourceModule[]; candidate: SourceModule[] } {
  const active: SourceModule[] = []
  const candidate: SourceModule[] = []
  for (const m of ms) {
    if (m.state !== 'new') active.push({ module: m.module, source: m.source })
    const c = candidateSource(m)
    if (c !== null) candidate.push({ module: m.module, source: c })
  }
  return { active, candidate }
}

const MODULE_NAME = /^[a-z][a-z0-9_]{0,63}$/

/** Why name cannot be a new module ('' when it can). */
export function newModuleProblem(name: string, existing: string[]): string {
  if (!MODULE_NAME.test(name)) return '模块名只能由小写字母、数字和下划线组成，并以字母开头'
  if (existing.includes(name)) return `模块 ${name} 已存在`
  return ''
}

/** The source a new module starts from: a package with one rule and its METADATA. */
export function moduleTemplate(name: string): string {
  if (name.endsWith('_test')) {
    const family = name.slice(0, -'_test'.length)
    return `package compliance.${name}\n\nimport data.compliance.${family}\n\ntest_example if {\n\tcount(${family}.warnings) == 0 with input as {"event": "step"}\n}\n`
  }
  return `package compliance.${name}

# METADATA
# title: 规则标题
# custom:
#   level: prewarning
#   basis: 法律依据
warnings contains {"rule": "${name}.example", "level": "prewarning", "message": "说明", "basis": "法律依据"} if {
	input.event == "step"
	false
}
`
}

/** Counts of an impact table, summed. */
export function impactTotal(rows: ImpactCount[] | null): number {
  return (rows ?? []).reduce((n, r) => n + r.count, 0)
}
