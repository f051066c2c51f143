// The government affairs office reads the dashboard and follows a
// department's red count to the list it counts.
import type { APIRequestContext } from '@playwright/test'
import { test, expect, settled, signInDemo, shot, todayShanghai } from './fixtures'

/** Raises an alarm in ZJJ through the API: a decision without its approval. */
async function seedAlarm(request: APIRequestContext): Promise<void> {
  const headers = { Authorization: 'Bearer demo-zjj-clerk' }
  const caseNo = `ZJJ-E2E-${Date.now()}`
  const now = new Date()
  const at = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString()
  const steps = [
    { id: `${caseNo}-a`, step_code: 'accept', occurred_at: at(30), power_item_code: 'XK-ZJJ-001', applicant: '某建设公司' },
    { id: `${caseNo}-r`, step_code: 'review', occurred_at: at(20) },
    { id: `${caseNo}-d`, step_code: 'decide', occurred_at: at(10) },
  ]
  for (const s of steps) {
    const res = await request.post('/api/v1/steps', {
      headers,
      data: { case_no: caseNo, handler: '张三', legal_basis_ids: [], approvals: [], attributes: {}, ...s },
    })
    expect(res.status(), await res.text()).toBe(201)
  }
}

test('oversight follows a red count from the dashboard to the filtered list', async ({ page }) => {
  await signInDemo(page, 'oversight')
  await page.goto('/dashboard')
  await expect(page.getByRole('heading', { name: '监察看板' })).toBeVisible()
  const red = page.getByTestId('red-ZJJ')
  await expect(red).toBeVisible()
  if (Number(await red.textContent()) === 0) {
    await seedAlarm(page.request)
    await page.reload()
    await expect(red).not.toHaveText('0')
  }
  await settled(page)
  const figure = Number(await red.textContent())
  expect(figure).toBeGreaterThan(0)

  // The figure is the server's aggregate.
  const today = todayShanghai()
  const res = await page.request.get('/api/v1/stats/departments', { params: { from: `${today.slice(0, 7)}-01`, to: today } })
  const zjj = (await res.json()).departments.find((d: { department_code: string }) => d.department_code === 'ZJJ')
  expect(zjj.open_alarms).toBe(figure)
  await expect(page.getByTestId('department-table')).toContainText('区住房和城乡建设局')
  await shot(page, 'dashboard')

  await red.click()
  await expect(page).toHaveURL(/\/warnings\?/)
  const url = new URL(page.url())
  expect(url.searchParams.get('department')).toBe('ZJJ')
  expect(url.searchParams.get('level')).toBe('alarm')
  expect(url.searchParams.get('status')).toBe('open')
  expect(url.searchParams.get('from')).toBe(`${today.slice(0, 7)}-01`)
  expect(url.searchParams.get('to')).toBe(today)

  // The list's rows, over every page, are as many as the figure.
  const rows = page.getByTestId('warning-table').locator('.el-table__body tr')
  await expect(rows.first()).toBeVisible()
  await settled(page)
  let listed = await rows.count()
  while (await page.getByTestId('page-next').isEnabled()) {
    await page.getByTestId('page-next').click()
    await settled(page)
    listed += await rows.count()
  }
  expect(listed).toBe(figure)
})

test('a department head sees the own department only', async ({ page }) => {
  await signInDemo(page, 'scj-admin')
  await page.goto('/dashboard')
  await expect(page.getByRole('heading', { name: '监察看板' })).toBeVisible()
  await expect(page.getByTestId('red-SCJ')).toBeVisible()
  await expect(page.getByTestId('red-ZJJ')).toHaveCount(0)
  await expect(page.getByTestId('dashboard-department')).toHaveCount(0)
})
