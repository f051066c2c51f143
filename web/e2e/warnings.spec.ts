// A department head explains an alarm of the department in writing.
import { test, expect, pick, signInDemo, shot, dialogOpen } from './fixtures'

test('a dept_admin explains an alarm and its status becomes 已说明', async ({ page }) => {
  await signInDemo(page, 'zjj-admin')
  await expect(page.getByTestId('user-role')).toHaveText('部门负责人')
  await shot(page, 'workbench')

  // The department's open alarms.
  await page.goto('/warnings')
  await expect(page.getByRole('heading', { name: '预警处置' })).toBeVisible()
  await page.getByTestId('filter-level').click()
  await page.getByRole('option', { name: '报警', exact: true }).click()
  await page.getByTestId('filter-status').click()
  await page.getByRole('option', { name: '待处理', exact: true }).click()
  await page.getByRole('button', { name: '查询' }).click()
  await expect(page).toHaveURL(/level=alarm/)
  await expect(page).toHaveURL(/status=open/)
  // Oldest first: one of the demo district's alarms.
  await pick(page, page.getByTestId('filter-order'), '最早在前')
  await expect(page).toHaveURL(/order=asc/)

  const table = page.getByTestId('warning-table')
  const rows = table.locator('.el-table__body tr')
  await expect(rows.first()).toBeVisible()
  const count = await rows.count()
  for (let i = 0; i < count; i++) {
    await expect(rows.nth(i).getByText('报警', { exact: true })).toBeVisible()
    await expect(rows.nth(i).getByText('待处理', { exact: true })).toBeVisible()
  }
  await shot(page, 'warnings')

  // Open the first one and explain it.
  const link = rows.first().locator('a[href^="/warnings/"]').first()
  const href = await link.getAttribute('href')
  const id = Number(href?.split('/').pop())
  expect(id).toBeGreaterThan(0)
  await link.click()
  await expect(page).toHaveURL(new RegExp(`/warnings/${id}$`))
  await expect(page.getByRole('heading', { name: `预警详情（编号 ${id}）` })).toBeVisible()
  await expect(page.getByTestId('warning-status')).toHaveText('待处理')

  await page.getByRole('button', { name: '书面说明' }).click()
  const dialog = page.getByRole('dialog')
  await dialogOpen(dialog)
  const note = '经核查，该环节系录入时遗漏，已补正材料并对经办人进行提醒，今后严格按流程办理。'
  await dialog.getByRole('textbox', { name: /说明/ }).fill(note)
  await dialog.getByRole('button', { name: '确定书面说明' }).click()
  await expect(dialog).toBeHidden()

  await expect(page.getByTestId('warning-status')).toHaveText('已说明')
  const history = page.getByTestId('transitions')
  await expect(history).toContainText('书面说明')
  await expect(history).toContainText('待处理 → 已说明')
  await expect(history).toContainText(note)
  await expect(history).toContainText('部门负责人')
  await shot(page, 'warning-detail')

  // The server agrees.
  const res = await page.request.get(`/api/v1/warnings/${id}`)
  expect(res.status()).toBe(200)
  const body = await res.json()
  expect(body.status).toBe('explained')
  expect(body.transitions.at(-1)).toMatchObject({ action: 'explain', to: 'explained', note })
})
