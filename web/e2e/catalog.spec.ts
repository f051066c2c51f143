// The catalog editor: the legal office searches the catalog, edits an item,
// meets the server's 422 at the field it concerns, fixes it and saves; a
// department admin proposes an adjustment; the legal office reads it against
// the version in force, approves it, and the catalog shows the new version.
import type { Page } from '@playwright/test'
import { test, expect, signInDemo, shot, dialogOpen, pick, settled } from './fixtures'

const CODE = 'XK-ZJJ-001'

/** The input of an Element Plus input or input-number by its test id (on the input or around it). */
function input(page: Page, testId: string) {
  return page.getByTestId(testId).locator('xpath=self::input | .//input').first()
}

async function switchTo(page: Page, username: string) {
  await page.context().clearCookies()
  await signInDemo(page, username)
}

const asLegal = { Authorization: 'Bearer demo-legal' }

test('legal edits an item, a department proposes an adjustment, legal approves it', async ({ page, consoleErrors }) => {
  // The 422 the form provokes on purpose.
  consoleErrors.allow(/422/)
  // The other specs share this server and count on the demo's item: it is
  // put back as it was (as a newer version) when this test ends.
  const got = await page.request.get(`/api/v1/power-items/${CODE}`, { headers: asLegal })
  expect(got.status()).toBe(200)
  const { code: _code, version: _version, created_at: _at, created_by: _by, ...original } = await got.json()
  try {
    await editAndApprove(page)
  } finally {
    const put = await page.request.put(`/api/v1/power-items/${CODE}`, { headers: asLegal, data: original })
    expect(put.status(), await put.text()).toBe(200)
  }
})

async function editAndApprove(page: Page) {

  // ---- the legal office searches the catalog ----
  await signInDemo(page, 'legal')
  await page.getByRole('menuitem', { name: '事项目录' }).click()
  await expect(page.getByRole('heading', { name: '事项目录' })).toBeVisible()
  await input(page, 'filter-q').fill('施工许可')
  await pick(page, page.getByTestId('filter-category'), '行政许可')
  await page.getByRole('button', { name: '查询' }).click()
  await expect(page).toHaveURL(/q=/)
  await expect(page).toHaveURL(/category=/)
  const table = page.getByTestId('catalog-table')
  const rows = table.locator('.el-table__body tr')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText('建筑工程施工许可')
  await expect(rows.first()).toContainText('第 1 版')
  await shot(page, 'catalog-list')

  // ---- edits it: a legal basis more and a statutory limit below the promised one ----
  await rows.first().getByRole('link', { name: CODE }).click()
  await expect(page.getByTestId('item-title')).toContainText('建筑工程施工许可')
  await page.getByTestId('edit-item').click()
  await expect(page.getByRole('heading', { name: /编辑权力事项/ })).toBeVisible()
  await settled(page)
  // The flow reorders by drag and drop and by the buttons: 送达 dragged before
  // 决定, then moved back down from the keyboard's buttons.
  await page.getByTestId('step-handle-3').dragTo(page.getByTestId('step-row-2'))
  await expect(input(page, 'step-2-name')).toHaveValue('送达')
  await expect(input(page, 'step-3-name')).toHaveValue('决定')
  await page.getByTestId('step-down-2').click()
  await expect(input(page, 'step-2-name')).toHaveValue('决定')
  await expect(input(page, 'step-3-name')).toHaveValue('送达')
  await page.getByTestId('add-basis').click()
  await input(page, 'basis-2-id').fill('LB3')
  await input(page, 'basis-2-title').fill('《中华人民共和国行政许可法》')
  await input(page, 'basis-2-article').fill('第四十二条')
  await page.getByTestId('statutory-enabled').click()
  await input(page, 'statutory-days').fill('5')
  await input(page, 'statutory-days').press('Tab')
  await page.getByTestId('save-item').click()

  // The server refuses it: the message sits at the promised limit.
  await expect(page.getByTestId('save-error')).toBeVisible()
  const limitField = page.getByTestId('field-time-limit')
  await expect(limitField.locator('.el-form-item__error')).toContainText('承诺时限不得超过法定时限')
  await shot(page, 'catalog-item-form')

  // Fixed: the statutory limit is the law's 20 working days.
  await input(page, 'statutory-days').fill('20')
  await input(page, 'statutory-days').press('Tab')
  await page.getByTestId('save-item').click()
  await expect(page.getByText('已保存，第 2 版已生效')).toBeVisible()
  await expect(page.getByTestId('item-title')).toContainText('第 2 版')
  await expect(page.getByTestId('item-bases')).toContainText('第四十二条')

  // ---- the department admin proposes an adjustment: review within 3 days ----
  await switchTo(page, 'zjj-admin')
  await page.goto(`/catalog/items/${CODE}`)
  await page.getByTestId('edit-item').click()
  await expect(page.getByRole('heading', { name: /调整权力事项/ })).toBeVisible()
  await settled(page)
  await expect(input(page, 'step-1-name')).toHaveValue('审查')
  await input(page, 'step-1-days').fill('3')
  await input(page, 'step-1-days').press('Tab')
  await page.getByTestId('save-item').click()
  await expect(page.getByText('已提交第 3 版调整，待法制办审定')).toBeVisible()
  // Not in force yet: the catalog still shows version 2.
  await expect(page.getByTestId('item-title')).toContainText('第 2 版')

  // ---- the legal office reads it against the version in force and approves ----
  await switchTo(page, 'legal')
  await page.getByRole('menuitem', { name: '待审定调整' }).click()
  await expect(page.getByRole('heading', { name: '待审定调整' })).toBeVisible()
  await page.getByTestId(`review-${CODE}-3`).click()
  const dialog = await dialogOpen(page.getByRole('dialog', { name: new RegExp(`${CODE}.*第 3 版调整`) }))
  await expect(dialog.getByTestId('diff-summary')).toContainText('现行第 2 版 → 拟调整第 3 版：1 处变更')
  const review = dialog.getByTestId('diff-step-review')
  await expect(review).toHaveAttribute('data-change', 'changed')
  await expect(review).toContainText('时限 5 个工作日')
  await expect(review).toContainText('时限 3 个工作日')
  // Only what changed is shown at first; the rest is one click away.
  await expect(dialog.getByTestId('diff-name')).toHaveCount(0)
  await shot(page, 'catalog-version-diff')
  await dialog.getByTestId('approve-version').click()
  const box = await dialogOpen(page.locator('.el-message-box'))
  await box.locator('textarea').fill('同意缩短审查时限')
  await box.getByRole('button', { name: '审定通过' }).click()
  await expect(page.getByText(`${CODE} 第 3 版已审定通过并生效`)).toBeVisible()
  await expect(page.getByTestId('pending-table')).toContainText('没有待审定的调整')

  // ---- the catalog shows the new version ----
  await page.getByRole('menuitem', { name: '事项目录' }).click()
  const row = page.getByTestId('catalog-table').locator('.el-table__body tr', { hasText: CODE })
  await expect(row).toContainText('第 3 版')
  await row.getByRole('link', { name: CODE }).click()
  await expect(page.getByTestId('item-title')).toContainText('第 3 版')
  await page.getByRole('tab', { name: '流程图' }).click()
  const chart = page.getByTestId('flow-diagram')
  await expect(chart.getByTestId('flow-arrow-1')).toContainText('3 个工作日')
  await expect(chart.getByTestId('flow-box-3')).toContainText('廉政风险防控点')
  await shot(page, 'catalog-flowchart')
  await page.getByRole('tab', { name: /版本历史/ }).click()
  await expect(page.getByTestId('version-table').locator('.el-table__body tr')).toHaveCount(3)
  await expect(page.getByTestId('diff-summary')).toContainText('第 2 版 → 第 3 版：1 处变更')
  await expect(page.getByTestId('diff-name')).toHaveAttribute('data-changed', 'false')
  await expect(page.getByTestId('diff-step-review')).toHaveAttribute('data-change', 'changed')
  await shot(page, 'catalog-versions')
}

test('the cleanup list gives its reasons', async ({ page }) => {
  await signInDemo(page, 'legal')
  await page.goto('/catalog/cleanup')
  await expect(page.getByRole('heading', { name: '清理清单' })).toBeVisible()
  await settled(page)
  const table = page.getByTestId('cleanup-table')
  await expect(table).toBeVisible()
  // The demo's penalty items have a risk checkpoint (告知) without a limit of its own.
  const row = table.locator('.el-table__body tr', { hasText: 'CF-ZJJ-001' })
  await expect(row.locator('.reasons li').first()).toContainText('catalog.no_time_limit')
  const rows = table.locator('.el-table__body tr')
  const n = await rows.count()
  for (let i = 0; i < n; i++) await expect(rows.nth(i).locator('.reasons li').first()).toBeVisible()
  await shot(page, 'catalog-cleanup')
})
