// Free text that people type (applicants, handlers) reaches other people's
// screens: the console shows it as text, never as HTML.
import { test, expect, signInDemo } from './fixtures'
import type { Page } from '@playwright/test'

const payload = '<img src=x onerror="window.__pwned=1">张三<b>粗体</b>'

async function noMarkup(page: Page, where: string): Promise<void> {
  expect(await page.locator('img[src="x"]').count(), `an <img> made of the text on the ${where}`).toBe(0)
  expect(await page.locator('b', { hasText: '粗体' }).count(), `a <b> made of the text on the ${where}`).toBe(0)
  const pwned = await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)
  expect(pwned, `the onerror handler ran on the ${where}`).toBeUndefined()
}

test('markup typed into a step is shown as text on the case page and in the warning list', async ({ page, request }) => {
  const caseNo = `ZJJ-XSS-${Date.now().toString(36).toUpperCase()}`
  const clerk = { Authorization: 'Bearer demo-zjj-clerk' }
  const accept = await request.post('/api/v1/steps', {
    headers: clerk,
    data: {
      id: `${caseNo}-accept`, case_no: caseNo, power_item_code: 'XK-ZJJ-001', step_code: 'accept',
      applicant: payload, handler: payload, occurred_at: new Date(Date.now() - 120_000).toISOString(),
      legal_basis_ids: ['LB1'],
    },
  })
  expect(accept.status(), await accept.text()).toBe(201)
  // Decided straight away, without review or approval: alarms about this case.
  const decide = await request.post('/api/v1/steps', {
    headers: clerk,
    data: { id: `${caseNo}-decide`, case_no: caseNo, step_code: 'decide', handler: payload, occurred_at: new Date(Date.now() - 60_000).toISOString() },
  })
  expect(decide.status(), await decide.text()).toBe(201)

  await signInDemo(page, 'zjj-clerk')
  await page.goto(`/cases/${caseNo}`)
  await expect(page.getByTestId('case-summary')).toContainText(payload)
  await expect(page.getByText(payload).first()).toBeVisible()
  await noMarkup(page, 'case page')

  await page.goto(`/warnings?case_no=${caseNo}`)
  await expect(page.getByText(caseNo).first()).toBeVisible()
  await noMarkup(page, 'warning list')
})
