// A clerk records the steps of a new case through the case form and sees the
// warnings they raise on the case page.
import { test, expect, signInDemo, shot, dialogOpen, fillNewCase } from './fixtures'

test('a clerk records a new case and its decision, and sees the alarm on the case page', async ({ page }) => {
  const caseNo = `ZJJ-E2E-${Date.now().toString(36).toUpperCase()}`
  await signInDemo(page, 'zjj-clerk')

  await page.goto('/cases')
  await expect(page.getByRole('heading', { name: '办件' })).toBeVisible()
  await expect(page.getByRole('link', { name: /^ZJJ-\d{4}-0002$/ })).toBeVisible()
  await shot(page, 'cases')

  // The first step of a new case: 受理 of 建筑工程施工许可, citing its legal basis.
  const create = await fillNewCase(page, caseNo)
  await expect(create.getByLabel('经办人')).toHaveValue('张三')
  await create.getByTestId('legal-basis-select').click()
  const basis = page.getByRole('option', { name: /建筑法》第八条/ })
  await basis.click()
  // A multiple select stays open: close it by clicking the dialog's title.
  await create.getByText('新建办件（受理）').click()
  await expect(basis).toBeHidden()
  await create.getByRole('button', { name: '提交' }).click()

  await expect(page).toHaveURL(new RegExp(`/cases/${caseNo}$`))
  await expect(page.getByTestId('case-title')).toHaveText(`办件 ${caseNo}`)
  // (Late in a year the next year's holidays may not be entered yet: a pre-warning says so.)
  await expect(page.getByTestId('step-result')).toContainText('环节已记录')
  await expect(page.getByTestId('step-result')).not.toContainText('报警')
  await expect(page.getByTestId('case-summary')).toContainText('某城建开发有限公司')

  // The decision, straight after acceptance: no review, no legal basis, no approval.
  await page.getByRole('button', { name: '记录下一环节' }).click()
  const next = page.getByRole('dialog', { name: `记录下一环节 · ${caseNo}` })
  await dialogOpen(next)
  await next.getByTestId('step-select').click()
  await page.getByRole('option', { name: /^决定/ }).click()
  await expect(next.getByText('此环节为廉政风险防控点，须经审核')).toBeVisible()
  await next.getByRole('button', { name: '提交' }).click()
  await expect(next).toBeHidden()

  const result = page.getByTestId('step-result')
  await expect(result).toContainText(/环节已记录，产生 \d+ 条报（预）警/)
  await expect(result).toContainText('未援引法律依据')

  // The warnings of the case, with their rules.
  const warnings = page.getByTestId('case-warnings')
  for (const rule of ['legal_basis.missing', 'sequence.out_of_order', 'checkpoint.approval_missing']) {
    await expect(warnings.getByText(rule, { exact: true })).toBeVisible()
  }
  const missingBasis = warnings.locator('tr', { hasText: 'legal_basis.missing' })
  await expect(missingBasis.getByText('报警', { exact: true })).toBeVisible()
  await expect(missingBasis.getByText('待处理', { exact: true })).toBeVisible()
  await expect(page.getByTestId('case-summary')).toContainText(/未处理报警 [1-9]/)
  // The timeline marks the decision with its alarms.
  await expect(page.getByTestId('flow-timeline')).toContainText('决定')
  await shot(page, 'case-detail')

  // The list shows the new case with its open alarms.
  await page.goto(`/cases?q=${caseNo}`)
  await expect(page.getByRole('link', { name: caseNo })).toBeVisible()
})
