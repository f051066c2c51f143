// A risk checkpoint is passed by an approval the inspector signs with their
// own account: the clerk accepts a case, the inspector finds it waiting on
// the workbench and approves it, and the clerk's decision raises no
// checkpoint.approval_missing.
import { test, expect, signInDemo, shot, dialogOpen, fillNewCase } from './fixtures'
import type { Page } from '@playwright/test'

async function switchTo(page: Page, username: string) {
  await page.context().clearCookies()
  await signInDemo(page, username)
}

test('the inspector signs the decision\'s approval before the clerk records it', async ({ page }) => {
  const caseNo = `ZJJ-APR-${Date.now().toString(36).toUpperCase()}`

  // The clerk accepts a new licensing case.
  await signInDemo(page, 'zjj-clerk')
  await page.goto('/cases')
  const create = await fillNewCase(page, caseNo)
  await create.getByRole('button', { name: '提交' }).click()
  await expect(page).toHaveURL(new RegExp(`/cases/${caseNo}$`))
  await expect(page.getByTestId('step-result')).toContainText('环节已记录')
  // A clerk signs nothing.
  await expect(page.getByTestId('approve-button')).toHaveCount(0)

  // The inspector sees the case waiting on the workbench.
  await switchTo(page, 'zjj-inspector')
  await page.goto('/')
  const pending = page.getByTestId('pending-approvals')
  await expect(pending.getByRole('link', { name: caseNo })).toBeVisible()
  await expect(pending.locator('tr', { hasText: caseNo })).toContainText('决定')
  await expect(page.getByTestId('todo-list')).toContainText('待签署的审核')
  await shot(page, 'approvals-pending')

  // …opens it and approves in the dialog.
  await pending.locator('tr', { hasText: caseNo }).getByTestId('pending-approve-link').click()
  await expect(page).toHaveURL(new RegExp(`/cases/${caseNo}`))
  const dialog = page.getByTestId('approval-dialog')
  await dialogOpen(dialog)
  await expect(dialog).toContainText('须由监察人员以本人账号审核')
  // Rejecting needs an opinion.
  await dialog.getByText('不同意', { exact: true }).click()
  await dialog.getByTestId('approval-submit').click()
  await expect(dialog).toContainText('不同意的，须填写审核意见')
  await dialog.getByText('同意', { exact: true }).click()
  // Back to 同意, the demand for an opinion goes.
  await expect(dialog).not.toContainText('不同意的，须填写审核意见')
  await dialog.getByTestId('approval-opinion').fill('材料齐全，同意')
  await shot(page, 'approvals-dialog')
  await dialog.getByTestId('approval-submit').click()
  await expect(dialog).toBeHidden()
  const signed = page.getByTestId('signed-approvals')
  await expect(signed).toContainText('同意')
  await expect(signed).toContainText('材料齐全，同意')
  await expect(signed).toContainText('监察人员')

  // The pending list is empty of it now.
  await page.goto('/')
  await expect(page.getByTestId('pending-approvals-table')).toBeVisible()
  await expect(page.getByTestId('pending-approvals').getByRole('link', { name: caseNo })).toHaveCount(0)

  // The clerk records the decision: the checkpoint is passed.
  await switchTo(page, 'zjj-clerk')
  await page.goto(`/cases/${caseNo}`)
  await page.getByRole('button', { name: '记录下一环节' }).click()
  const next = page.getByRole('dialog', { name: `记录下一环节 · ${caseNo}` })
  await dialogOpen(next)
  await next.getByTestId('step-select').click()
  await page.getByRole('option', { name: /^决定/ }).click()
  await next.getByRole('button', { name: '提交' }).click()
  await expect(next).toBeHidden()
  await expect(page.getByTestId('step-result')).toContainText('环节已记录')
  const warnings = page.getByTestId('case-warnings')
  await expect(warnings).toBeVisible()
  await expect(warnings.getByText('checkpoint.approval_missing', { exact: true })).toHaveCount(0)
  await expect(page.getByTestId('signed-approvals')).toContainText('材料齐全，同意')
  await shot(page, 'approvals-case')
})
