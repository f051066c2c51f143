// Supervision filters the district's violation list, exports it as XLSX and
// the file holds exactly the rows listed; then its own pages (抽查, 移送).
import fs from 'node:fs'
import { test, expect, signInDemo, shot, dialogOpen } from './fixtures'
import { readXlsx } from './xlsx'

interface Row {
  id: string
  caseNo: string
  rule: string
}

test('supervision filters the violation list and the XLSX export has the listed rows', async ({ page }) => {
  await signInDemo(page, 'supervision')
  await page.goto('/warnings')
  await expect(page.getByRole('heading', { name: '预警处置' })).toBeVisible()

  // 部门 = 区住房和城乡建设局, 级别 = 报警.
  const department = page.getByTestId('filter-department')
  await department.click()
  const zjj = page.getByRole('option', { name: '区住房和城乡建设局' })
  await zjj.click()
  await page.getByRole('heading', { name: '预警处置' }).click() // closes the multiple select
  await expect(zjj).toBeHidden()
  await page.getByTestId('filter-level').click()
  await page.getByRole('option', { name: '报警', exact: true }).click()
  await page.getByRole('button', { name: '查询' }).click()
  await expect(page).toHaveURL(/level=alarm/)
  await expect(page).toHaveURL(/department=ZJJ/)

  const table = page.getByTestId('warning-table')
  const rows = table.locator('.el-table__body tr')
  await expect(rows.first()).toBeVisible()
  await expect(page.getByTestId('page-next')).toBeDisabled() // every matching row is on this page
  const shown: Row[] = []
  const count = await rows.count()
  expect(count).toBeGreaterThan(1)
  for (let i = 0; i < count; i++) {
    const row = rows.nth(i)
    await expect(row.getByText('报警', { exact: true })).toBeVisible()
    await expect(row.getByText('区住房和城乡建设局')).toBeVisible()
    const href = await row.locator('a[href^="/warnings/"]').first().getAttribute('href')
    const caseLink = row.locator('a[href^="/cases/"]')
    shown.push({
      id: href!.split('/').pop()!,
      caseNo: (await caseLink.count()) > 0 ? (await caseLink.first().innerText()).trim() : '',
      rule: (await row.locator('.rule .mono').first().innerText()).trim(),
    })
  }
  expect(shown.some((r) => r.rule === 'legal_basis.missing')).toBe(true)
  expect(shown.every((r) => r.caseNo === '' || r.caseNo.startsWith('ZJJ-'))).toBe(true)
  await shot(page, 'warnings-district')

  // Export the same filter.
  const downloading = page.waitForEvent('download')
  await page.getByRole('button', { name: '导出 Excel' }).click()
  const download = await downloading
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/)
  const file = await download.path()
  const { rows: sheet } = readXlsx(fs.readFileSync(file))
  const header = sheet[0]
  expect(header).toEqual(expect.arrayContaining(['编号', '级别', '规则', '部门', '办件编号']))
  const col = (name: string) => header.indexOf(name)
  const exported = sheet.slice(1).filter((r) => r.some((c) => c !== ''))
  for (const r of exported) {
    expect(r[col('级别')]).toBe('报警')
    expect(r[col('部门')]).toBe('ZJJ')
  }
  const key = (r: Row) => `${r.id}|${r.caseNo}|${r.rule}`
  const fromFile = exported.map((r) => key({ id: r[col('编号')], caseNo: r[col('办件编号')] ?? '', rule: r[col('规则')] }))
  expect(fromFile.sort()).toEqual(shown.map(key).sort())
})

test('supervision draws a spot check, records a finding and refers an alarm', async ({ page }) => {
  await signInDemo(page, 'supervision')

  // A spot check of the period in which the demo's cases were accepted.
  const cases = await page.request.get('/api/v1/cases', { params: { limit: 100 } })
  expect(cases.status()).toBe(200)
  const accepted = ((await cases.json()).items as { accepted_at: string }[]).map((c) => Date.parse(c.accepted_at))
  expect(accepted.length).toBeGreaterThan(0)
  await page.goto('/spot-checks')
  await expect(page.getByRole('heading', { name: '重点抽查' })).toBeVisible()
  await page.getByRole('button', { name: '发起抽查' }).click()
  const dialog = page.getByRole('dialog', { name: '发起抽查' })
  await dialogOpen(dialog)
  const chinese = (d: Date) => {
    const [y, m, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d).split('-').map(Number)
    return `${y}年${m}月${day}日`
  }
  const [from, to] = [chinese(new Date(Math.min(...accepted))), chinese(new Date(Math.max(...accepted)))]
  const start = dialog.getByPlaceholder('开始日期')
  await start.fill(from)
  await start.press('Enter')
  const end = dialog.getByPlaceholder('结束日期')
  await end.fill(to)
  await end.press('Enter')
  await dialog.locator('.el-dialog__header').click({ position: { x: 10, y: 10 } }) // closes the date panel
  await expect(start).toHaveValue(from)
  await expect(end).toHaveValue(to)
  await dialog.getByLabel('说明').fill('季度重点抽查：住建、市场监管两局')
  await dialog.getByRole('button', { name: '抽取' }).click()
  await expect(page).toHaveURL(/\/spot-checks\/\d+$/)
  await expect(page.getByText(/要求 10 件，实抽 [1-9]\d* 件/)).toBeVisible()

  // The first sampled case is compliant.
  const samples = page.getByTestId('sample-table').locator('.el-table__body tr')
  await expect(samples.first()).toBeVisible()
  await samples.first().getByRole('button', { name: /记录/ }).click()
  const finding = await dialogOpen(page.getByRole('dialog', { name: /记录检查结论/ }))
  await finding.getByText('合规', { exact: true }).click()
  await finding.getByRole('textbox').fill('流程、时限与法律依据均符合要求')
  await finding.getByRole('button', { name: '保存' }).click()
  await expect(finding).toBeHidden()
  await expect(samples.first()).toContainText('流程、时限与法律依据均符合要求')
  await shot(page, 'spot-check-detail')

  await page.goto('/spot-checks')
  await expect(page.getByTestId('spot-check-table').getByText('季度重点抽查：住建、市场监管两局')).toBeVisible()
  await shot(page, 'spot-checks')

  // Refer the discretion alarm of the demo's penalty case to the supervision bureau.
  await page.goto('/warnings?rule=discretion.amount_out_of_range&status=open')
  const row = page.getByTestId('warning-table').locator('.el-table__body tr').first()
  await expect(row).toContainText('discretion.amount_out_of_range')
  const caseNo = (await row.locator('a[href^="/cases/"]').innerText()).trim()
  await row.getByRole('button', { name: '移送监察' }).click()
  const refer = await dialogOpen(page.getByRole('dialog', { name: /移送监察/ }))
  await refer.getByLabel('监察局案件编号').fill('区监察〔2026〕E2E号')
  await refer.getByRole('textbox', { name: /说明/ }).fill('裁量金额超出基准幅度，移送监察局调查')
  await refer.getByRole('button', { name: '确定移送监察' }).click()
  await expect(refer).toBeHidden()
  await expect(row.getByText('已移送', { exact: true })).toBeVisible()

  await page.goto('/referrals')
  await expect(page.getByRole('heading', { name: '移送案件' })).toBeVisible()
  const referred = page.getByTestId('referral-table').locator('.el-table__body tr', { hasText: caseNo })
  await expect(referred).toContainText('区监察〔2026〕E2E号')
  await expect(referred).toContainText('discretion.amount_out_of_range')
  await shot(page, 'referrals')
})
