// The legal affairs office's policy workbench: a broken module is marked at
// its line, fixed, tested, dry-run, published — the next step is checked by
// the new revision — and rolled back after a confirmation naming the change.
import { test, expect, signInDemo, shot } from './fixtures'
import type { Page } from '@playwright/test'

const clerk = { Authorization: 'Bearer demo-zjj-clerk' }
const legal = { Authorization: 'Bearer demo-legal' }

const good = `package compliance.custom

# METADATA
# title: 工作台标记规则
# custom:
#   level: prewarning
#   basis: 测试依据
warnings contains {"rule": "custom.marker", "level": "prewarning", "message": "工作台标记", "basis": "测试依据", "key": "marker"} if {
	input.event == "step"
	count(input.step.handler) > 0
}
`
/** The line the broken module's error is on. */
const BROKEN_LINE = 10
const broken = good.replace('count(input.step.handler) > 0', 'no_such_function(input.step.handler)')

async function typeSource(page: Page, source: string) {
  await page.locator('.cm-content').click()
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  await page.keyboard.insertText(source)
  await expect(page.locator('.cm-content')).toContainText('package compliance.custom')
}

async function submitStep(page: Page, tag: string) {
  const caseNo = `ZJJ-POL-${tag}-${Date.now().toString(36).toUpperCase()}`
  const res = await page.request.post('/api/v1/steps', {
    headers: clerk,
    data: {
      id: `${caseNo}-accept`, case_no: caseNo, power_item_code: 'XK-ZJJ-001', step_code: 'accept',
      applicant: '某建设公司', handler: '张三', occurred_at: new Date(Date.now() - 60_000).toISOString(),
      legal_basis_ids: ['LB1'],
    },
  })
  expect(res.status(), await res.text()).toBe(201)
  return (await res.json()) as { policy_revision: number; warnings: { rule: string; policy_revision: number }[] }
}

test('a legal officer edits, tests, dry-runs, publishes and rolls back a policy', async ({ page, consoleErrors }) => {
  test.setTimeout(120_000)
  // The refused save is a 422 the browser logs.
  consoleErrors.allow(/422/, /\/api\/v1\/policies\/custom/)
  consoleErrors.allow(/status of 422/)
  const before = await (await page.request.get('/api/v1/policies/revisions', { headers: legal })).json()
  const start: number = before.active

  await signInDemo(page, 'legal')
  await page.getByRole('menuitem', { name: '策略工作台' }).click()
  await expect(page).toHaveURL(/\/policies$/)
  await expect(page.getByTestId('active-revision')).toHaveText(`现行修订 ${start}`)
  await expect(page.getByTestId('autosave-note')).toContainText('自动保存在本机浏览器')

  // A new module, typed with an error on line 10.
  await page.getByRole('button', { name: '新建模块' }).click()
  const prompt = page.getByRole('dialog', { name: '新建模块' })
  await prompt.getByPlaceholder('模块名').fill('custom')
  await prompt.getByRole('button', { name: '新建' }).click()
  await expect(page.getByTestId('editing-module')).toHaveText('custom')
  await typeSource(page, broken)
  await page.getByRole('button', { name: '保存草稿' }).click()

  // The problem is listed with its place and both messages…
  const problem = page.getByTestId('problem-0')
  await expect(problem).toContainText(`custom · 第 ${BROKEN_LINE} 行`)
  await expect(problem).toContainText('未定义的函数 no_such_function')
  await expect(problem.locator('.problem-en')).toContainText('undefined function no_such_function')
  // …and marked in the editor: under the text of line 10, and in the gutter beside it.
  await expect(page.locator('.cm-content .cm-line').nth(BROKEN_LINE - 1).locator('.cm-lintRange-error')).toHaveText('no_such_function')
  const marker = page.locator('.cm-gutter-lint .cm-lint-marker-error')
  await expect(marker).toHaveCount(1)
  const number = page.locator('.cm-lineNumbers .cm-gutterElement').filter({ hasText: new RegExp(`^${BROKEN_LINE}$`) })
  const [m, n] = [await marker.boundingBox(), await number.boundingBox()]
  expect(Math.abs((m?.y ?? 0) + (m?.height ?? 0) / 2 - ((n?.y ?? 0) + (n?.height ?? 0) / 2))).toBeLessThan(4)
  await shot(page, 'policy-workbench')

  // Nothing typed is lost on reload: the edit is restored from this browser.
  await page.reload()
  await expect(page.getByTestId('editing-module')).toHaveText('custom')
  await expect(page.getByTestId('restored-note')).toContainText('已恢复本机自动保存')
  await expect(page.locator('.cm-content')).toContainText('no_such_function')

  // Fixed, it is saved as a draft.
  await typeSource(page, good)
  await page.getByRole('button', { name: '保存草稿' }).click()
  await expect(page.getByText('模块 custom 的草稿已保存')).toBeVisible()
  await expect(page.getByTestId('module-custom')).toContainText('新增草稿')
  await expect(page.getByTestId('problem-0')).toHaveCount(0)
  await expect(page.locator('.cm-lint-marker-error')).toHaveCount(0)

  // The tests of the revision with the draft.
  await page.getByRole('tab', { name: '运行测试' }).click()
  await page.getByRole('button', { name: '运行测试' }).click()
  const summary = page.getByTestId('test-summary')
  await expect(summary).toContainText('未通过 0')
  await expect(summary).toContainText('叠加草稿 custom')
  const results = page.getByTestId('test-results')
  await expect(results).toContainText('data.compliance.deadline_test')
  await expect(results.getByText('通过', { exact: true }).first()).toBeVisible()

  // The dry run over the last month: the new rule would appear.
  await page.getByRole('tab', { name: '影响试运行' }).click()
  await page.getByRole('button', { name: '试运行', exact: true }).click()
  const appear = page.getByTestId('impact-appear')
  await expect(appear).toContainText('custom.marker')
  await expect(appear).toContainText('区住房和城乡建设局')
  await expect(page.getByTestId('impact-summary')).toContainText('检查环节')

  // Publish with a note.
  await page.getByRole('tab', { name: '发布与历史' }).click()
  await expect(page.getByTestId('publish-card').getByTestId('diff-custom')).toContainText('新增')
  await page.getByLabel('发布说明').fill('增加工作台标记规则')
  await page.getByRole('button', { name: '发布', exact: true }).click()
  await expect(page.getByTestId('active-revision')).toHaveText(`现行修订 ${start + 1}`)
  await expect(page.getByTestId('revisions')).toContainText('增加工作台标记规则')

  // The next step a clerk submits is checked by the new revision.
  const after = await submitStep(page, 'A')
  expect(after.policy_revision).toBe(start + 1)
  expect(after.warnings.map((w) => w.rule)).toContain('custom.marker')

  // Roll back to the revision before, after reading what it changes.
  const row = page.getByTestId('revisions').locator('tr', { has: page.getByRole('cell', { name: `${start}`, exact: true }) })
  const dialog = page.getByTestId('rollback-dialog')
  // On a loaded machine the click can land while the history table is drawn
  // again and open nothing: it is made again until the dialog shows.
  await expect(async () => {
    await row.getByRole('button', { name: '回滚到此' }).click()
    await expect(dialog.getByTestId('rollback-changes')).toBeVisible({ timeout: 3_000 })
  }).toPass({ timeout: 30_000 })
  const lines = good.trimEnd().split('\n').length
  await expect(dialog.getByTestId('rollback-changes')).toContainText(`custom：删除，增加 0 行、删除 ${lines} 行`)
  await page.getByRole('button', { name: '确认回滚' }).click()
  await expect(page.getByTestId('active-revision')).toHaveText(`现行修订 ${start + 2}`)
  const rolledBack = await submitStep(page, 'B')
  expect(rolledBack.policy_revision).toBe(start + 2)
  expect(rolledBack.warnings.map((w) => w.rule)).not.toContain('custom.marker')
})

test('other roles read the workbench without editing', async ({ page }) => {
  await signInDemo(page, 'supervision')
  await page.goto('/policies')
  await expect(page.getByText('策略由区法制办编辑')).toBeVisible()
  await expect(page.getByRole('button', { name: '保存草稿' })).toHaveCount(0)
  await expect(page.getByRole('tab', { name: '运行测试' })).toHaveCount(0)
  await expect(page.locator('.cm-content')).toHaveAttribute('contenteditable', 'false')
  await page.getByRole('tab', { name: '规则目录' }).click()
  await expect(page.getByTestId('rule-catalogue')).toContainText('discretion.amount_out_of_range')
  await expect(page.getByTestId('rule-catalogue')).toContainText('《中华人民共和国行政处罚法》')
})
