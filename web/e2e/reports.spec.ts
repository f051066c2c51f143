// A department head reads the monthly report and downloads it as Excel.
import fs from 'node:fs'
import { test, expect, signInDemo, shot, todayShanghai } from './fixtures'
import { readXlsx } from './xlsx'

test('a dept_admin reads the monthly report and downloads it', async ({ page }) => {
  const today = todayShanghai()
  await signInDemo(page, 'zjj-admin')
  await page.goto('/reports/monthly')
  // The page opens on last month: the one whose report and explanation are due now.
  let [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1]
  if (m === 0) [y, m] = [y - 1, 12]
  const month = `${y}-${String(m).padStart(2, '0')}`
  await expect(page.getByRole('heading', { name: /月报/ })).toContainText(`区住房和城乡建设局 · ${y}年${m}月`)
  await expect(page).toHaveURL(new RegExp(`month=${month}`))
  const report = page.getByTestId('monthly-report')
  await expect(report).toContainText('受理办件')
  await expect(report).toContainText('日常巡查')
  await expect(page.getByTestId('report-explanation')).toContainText('截止日期')

  // The same figures as the API's.
  const res = await page.request.get('/api/v1/reports/monthly', { params: { month } })
  expect(res.status()).toBe(200)
  const body = await res.json()
  await expect(report.locator('.el-descriptions__cell', { hasText: '受理办件' }).locator('xpath=following-sibling::*[1]')).toHaveText(
    `${body.cases_accepted} 件`,
  )
  await shot(page, 'monthly-report')

  const downloading = page.waitForEvent('download')
  await page.getByRole('button', { name: '下载 Excel' }).click()
  const download = await downloading
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/)
  const { rows } = readXlsx(fs.readFileSync(await download.path()))
  const cells = new Map(rows.map((r) => [r[0], r[1]]))
  expect(cells.get('部门')).toBe('ZJJ')
  expect(cells.get('月份')).toBe(month)
  expect(cells.get('受理办件（件）')).toBe(String(body.cases_accepted))
  expect(cells.get('报警（条）')).toBe(String(body.warnings.alarm))
})
