// A step that raises an alarm reaches the bell and the inbox of the people of
// its department who must act on it, and no one else's.
import { test, expect, signInDemo, shot, settled } from './fixtures'
import type { APIRequestContext, Page } from '@playwright/test'

const clerk = { Authorization: 'Bearer demo-zjj-clerk' }

/** Opens a case and decides it at once, without review or approval: alarms. */
async function raiseAlarm(request: APIRequestContext, caseNo: string): Promise<void> {
  const accept = await request.post('/api/v1/steps', {
    headers: clerk,
    data: {
      id: `${caseNo}-accept`, case_no: caseNo, power_item_code: 'XK-ZJJ-001', step_code: 'accept', applicant: '某建设公司',
      handler: '张三', occurred_at: new Date(Date.now() - 120_000).toISOString(), legal_basis_ids: ['LB1'],
    },
  })
  expect(accept.status(), await accept.text()).toBe(201)
  const decide = await request.post('/api/v1/steps', {
    headers: clerk,
    data: { id: `${caseNo}-decide`, case_no: caseNo, step_code: 'decide', handler: '张三', occurred_at: new Date(Date.now() - 60_000).toISOString() },
  })
  expect(decide.status(), await decide.text()).toBe(201)
}

/** Reloads the inbox until a notification about the case shows (the fan-out runs every few seconds). */
async function waitForCase(page: Page, caseNo: string) {
  const row = page.getByTestId('notifications').locator('.el-table__row', { hasText: caseNo }).first()
  await expect(async () => {
    await page.goto('/notifications')
    await settled(page)
    await expect(row).toBeVisible({ timeout: 1_000 })
  }).toPass({ timeout: 30_000 })
  return row
}

test('an alarm reaches the department inspector’s bell and inbox, and not another department’s', async ({ page, request }) => {
  test.setTimeout(90_000)
  const caseNo = `ZJJ-NTF-${Date.now().toString(36).toUpperCase()}`
  await raiseAlarm(request, caseNo)

  await signInDemo(page, 'zjj-inspector')
  const row = await waitForCase(page, caseNo)
  await expect(row).toContainText('未读')
  await expect(row).toContainText('新报警')
  const badge = page.locator('[data-testid="bell-badge"] .el-badge__content')
  await expect(badge).toBeVisible()
  const before = Number((await badge.textContent())?.replace('+', '') ?? '0')
  expect(before).toBeGreaterThan(0)
  await shot(page, 'notifications')

  // Following the link opens the warning and marks the notification read.
  await row.getByTestId('notification-link').click()
  await expect(page).toHaveURL(/\/warnings\/\d+$/)
  await expect(page.getByText(caseNo).first()).toBeVisible()
  if (before < 99) await expect(badge).toHaveText(String(before - 1))

  await page.goto('/notifications')
  await settled(page)
  await expect(page.getByTestId('notifications').locator('.el-table__row', { hasText: caseNo }).first()).toContainText('已读')
  await page.getByTestId('read-all').click()
  await expect(badge).toBeHidden()

  // The handler hears of it too; another department's inspector does not.
  await page.context().clearCookies()
  await signInDemo(page, 'zjj-clerk')
  await waitForCase(page, caseNo)

  await page.context().clearCookies()
  await signInDemo(page, 'scj-inspector')
  await page.goto('/notifications')
  await settled(page)
  await expect(page.getByTestId('notifications')).toBeVisible()
  await expect(page.getByText(caseNo)).toHaveCount(0)
})

test('the administrator sees who hears which event', async ({ page }) => {
  await signInDemo(page, 'admin')
  await page.goto('/admin/notifications')
  await settled(page)
  await expect(page.getByTestId('routes').locator('.el-table__row').first()).toBeVisible()
  await expect(page.getByText('默认规则')).toBeVisible()
  await shot(page, 'notification-routes')
})
