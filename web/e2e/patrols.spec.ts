// An inspector records two patrols and today's ledger day turns ok (or stays
// not required on a day off, with the two patrols counted).
import { test, expect, ensureCalendarYear, signInDemo, shot, todayShanghai } from './fixtures'

test('an inspector records two patrols and the ledger day of today turns ok', async ({ page, request }) => {
  const today = todayShanghai()
  await ensureCalendarYear(request, Number(today.slice(0, 4)))
  await signInDemo(page, 'zjj-inspector')

  // What the ledger says today is: a working day needs two patrols, a day off none.
  const ledgerToday = async () => {
    const res = await page.request.get('/api/v1/ledgers/patrols', { params: { from: today, to: today } })
    expect(res.status()).toBe(200)
    const days = (await res.json()).days as { date: string; kind: string; patrols: number; status: string }[]
    const day = days.find((d) => d.date === today)
    expect(day, `ledger day ${today}`).toBeTruthy()
    return day!
  }
  const before = await ledgerToday()
  const working = before.kind === 'workday' || before.kind === 'makeup_workday'
  expect(before.patrols).toBe(0)
  expect(before.status).toBe(working ? 'missing' : 'not_required')

  await page.goto('/patrols')
  await expect(page.getByRole('heading', { name: /日常巡查/ })).toBeVisible()
  const cell = page.getByTestId('patrol-ledger').locator(`[data-date="${today}"]`)
  await expect(cell).toHaveAttribute('data-status', before.status)
  await expect(cell).toContainText('巡查 0 次')

  const form = page.getByTestId('patrol-form')
  const findings = ['巡查本部门平台办件 6 件，环节与时限正常', '午后巡查：办件 ZJJ 系列复核，发现 1 处问题']
  for (const [i, text] of findings.entries()) {
    await form.getByLabel('巡查情况').fill(text)
    if (i === 1) {
      await form.getByRole('button', { name: '添加问题' }).click()
      await form.getByLabel('发现的问题第 1 条').fill('一件办件的审查环节未援引法律依据')
    }
    await form.getByRole('button', { name: '提交巡查记录' }).click()
    await expect(page.getByText('巡查记录已提交').last()).toBeVisible()
    await expect(cell).toContainText(`巡查 ${i + 1} 次`)
  }

  const after = await ledgerToday()
  expect(after.patrols).toBe(2)
  expect(after.status).toBe(working ? 'ok' : 'not_required')
  await expect(cell).toHaveAttribute('data-status', after.status)
  await expect(cell).toContainText(working ? '达标' : '无需巡查')
  await expect(page.getByTestId('patrols-today')).toBeVisible()
  await expect(page.getByTestId('patrol-summary')).toContainText(/共巡查 [2-9]\d* 次/)

  // The list view says the same.
  const ledger = page.getByTestId('patrol-ledger')
  await ledger.getByText('列表', { exact: true }).click()
  const row = page.getByTestId('patrol-table').locator('tr', { hasText: /\d{4}年\d{1,2}月\d{1,2}日/ }).filter({
    hasText: `${Number(today.slice(0, 4))}年${Number(today.slice(5, 7))}月${Number(today.slice(8, 10))}日`,
  })
  await expect(row).toContainText(working ? '达标' : '无需巡查')
  await ledger.getByText('日历', { exact: true }).click()
  await expect(cell).toBeVisible()
  await shot(page, 'patrols')
})
