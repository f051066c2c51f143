import { describe, expect, it } from 'vitest'
import {
  explanationReason,
  explanationState,
  familyLabel,
  familyRows,
  formatBytes,
  leaderOptions,
  MAX_SCAN_BYTES,
  scanFileProblem,
  scanPath,
  signerText,
} from './report'
import type { MonthlyReport } from './report'

function report(over: Partial<MonthlyReport> = {}): MonthlyReport {
  return {
    department_code: 'ZJJ',
    month: '2026-11',
    cases_accepted: 3,
    cases_closed: 1,
    cases_open: 2,
    steps: 9,
    warnings: { prewarning: 0, alarm: 0, by_family: {} },
    warnings_rectified: 0,
    warnings_verified: 0,
    checkpoint_approvals: 2,
    patrol: { working_days: 21, ok_days: 0, insufficient_days: 0, missing_days: 21 },
    explanation_required: false,
    explanation_due: '2026-12-03',
    explanation: null,
    ...over,
  }
}

describe('families', () => {
  it('has Chinese names', () => {
    expect(familyLabel('deadline')).toBe('办理时限')
    expect(familyLabel('made_up')).toBe('其他类别')
  })
  it('lists non-zero families in a fixed order', () => {
    expect(familyRows({ patrol: 2, deadline: 1, zzz: 1, sync: 0 }).map((r) => r.family)).toEqual(['deadline', 'patrol', 'zzz'])
    expect(familyRows(undefined)).toEqual([])
  })
})

describe('explanation state', () => {
  const required = report({ explanation_required: true, warnings: { prewarning: 1, alarm: 2, by_family: { deadline: 3 } } })
  it('is due until the due date, then overdue', () => {
    expect(explanationState(required, '2026-12-02', '2026-12')).toMatchObject({ kind: 'due', canSubmit: true })
    expect(explanationState(required, '2026-12-03', '2026-12').title).toContain('2026年12月3日')
    expect(explanationState(required, '2026-12-04', '2026-12')).toMatchObject({ kind: 'overdue', type: 'error', canSubmit: true })
  })
  it('waits for the end of the month', () => {
    expect(explanationState({ ...required, month: '2026-12' }, '2026-12-10', '2026-12')).toMatchObject({
      kind: 'month_open',
      canSubmit: false,
    })
  })
  it('is not required without warnings and with cases', () => {
    expect(explanationState(report(), '2026-12-10', '2026-12')).toMatchObject({ kind: 'not_required', canSubmit: false })
  })
  it('is submitted, on time or late', () => {
    const e = {
      department_code: 'ZJJ',
      month: '2026-11',
      text: '说明',
      signed_by: '孙局长',
      submitted_by: 'zjj-admin',
      submitted_at: '2026-12-02T02:00:00Z',
      late: false,
    }
    expect(explanationState({ ...required, explanation: e }, '2026-12-10', '2026-12').kind).toBe('submitted')
    expect(explanationState({ ...required, explanation: { ...e, late: true } }, '2026-12-10', '2026-12').kind).toBe('submitted_late')
  })
  it('gives the reason', () => {
    expect(explanationReason(required)).toBe('本月产生预（报）警 3 条')
    expect(explanationReason(report({ explanation_required: true, cases_accepted: 0 }))).toBe('本月没有受理办件')
    expect(explanationReason(report())).toBe('')
  })
})

describe('the signing leader', () => {
  const accounts = [
    { username: 'zjj-admin', real_name: '孙局长', role: 'dept_admin', department_code: 'ZJJ', disabled: false },
    { username: 'zjj-deputy', real_name: '李副局长', role: 'dept_admin', department_code: 'ZJJ', disabled: false, expires_at: null },
    { username: 'zjj-former', real_name: '王前局长', role: 'dept_admin', department_code: 'ZJJ', disabled: true },
    { username: 'zjj-temp', real_name: '赵临时', role: 'dept_admin', department_code: 'ZJJ', disabled: false, expires_at: '2026-01-01T00:00:00Z' },
    { username: 'zjj-clerk', real_name: '张三', role: 'clerk', department_code: 'ZJJ', disabled: false },
    { username: 'scj-admin', real_name: '周局长', role: 'dept_admin', department_code: 'SCJ', disabled: false },
  ]
  it("offers the department's active dept_admin accounts only", () => {
    const got = leaderOptions(accounts, 'ZJJ', new Date('2026-12-06T00:00:00Z')).map((o) => o.value)
    expect(got.sort()).toEqual(['zjj-admin', 'zjj-deputy'])
    expect(leaderOptions(accounts, 'ZJJ', new Date('2026-12-06T00:00:00Z')).find((o) => o.value === 'zjj-admin')?.label).toBe(
      '孙局长（zjj-admin）',
    )
  })
  it('shows an account apart from a name typed in', () => {
    expect(signerText({ signed_by: 'zjj-admin', signed_by_kind: 'account', signer_real_name: '孙局长' })).toBe('孙局长（zjj-admin）')
    expect(signerText({ signed_by: '孙局长', signed_by_kind: 'free_text' })).toBe('孙局长（手填姓名，未关联账号）')
    expect(signerText({ signed_by: '孙局长' })).toBe('孙局长（手填姓名，未关联账号）')
  })
})

describe('the signed scan', () => {
  it('takes PDF, JPEG and PNG files up to 10 MB, checked before the upload', () => {
    expect(scanFileProblem({ name: '说明.pdf', size: 1000 })).toBe('')
    expect(scanFileProblem({ name: 'scan.JPG', size: 1000 })).toBe('')
    expect(scanFileProblem({ name: 'scan.jpeg', size: 1000 })).toBe('')
    expect(scanFileProblem({ name: 'scan.png', size: MAX_SCAN_BYTES })).toBe('')
    expect(scanFileProblem({ name: 'scan.png', size: MAX_SCAN_BYTES + 1 })).toBe('扫描件不能超过 10 MB（所选文件 10.0 MB）')
    expect(scanFileProblem({ name: 'scan.docx', size: 1000 })).toBe('扫描件须为 PDF、JPG 或 PNG 文件')
    expect(scanFileProblem({ name: 'scan.pdf', size: 0 })).toBe('扫描件是空文件')
  })
  it('sizes and paths', () => {
    expect(formatBytes(12)).toBe('12 字节')
    expect(formatBytes(2048)).toBe('2 KB')
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB')
    expect(scanPath('ZJJ', '2026-11')).toBe('/reports/monthly/explanations/ZJJ/2026-11/scan')
  })
})
