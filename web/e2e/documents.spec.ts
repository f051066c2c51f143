// The government affairs office issues a 督办单 about an alarm, prints it,
// and finds the issue in the warning's history; the bulletin prints as an
// official document.
import { test, expect, dialogOpen, signInDemo, shot, todayShanghai } from './fixtures'

test('a 督办单 is issued from a warning, printed with its number and kept in its history', async ({ page }) => {
  await signInDemo(page, 'oversight')
  // An open alarm of the district.
  const res = await page.request.get('/api/v1/warnings', { params: { level: 'alarm', status: 'open', limit: 1 } })
  const [w] = (await res.json()).items
  expect(w, 'the demo district has an open alarm').toBeTruthy()
  await page.goto(`/warnings/${w.id}`)
  await expect(page.getByRole('heading', { name: `预警详情（编号 ${w.id}）` })).toBeVisible()

  await page.getByTestId('issue-document').click()
  const dialog = await dialogOpen(page.getByRole('dialog', { name: '签发文书' }))
  await expect(dialog.getByRole('radio', { name: '督办单' })).toBeChecked()
  await dialog.locator('textarea').fill('请于期限内报送处理情况。')
  await dialog.getByTestId('issue-submit').click()

  // The print view of the issued document, with its number.
  await expect(page).toHaveURL(/\/documents\/\d+$/)
  const number = page.getByTestId('doc-number')
  await expect(number).toHaveText(/^区督办〔\d{4}〕\d+号$/)
  const issued = (await number.textContent()) ?? ''
  await expect(page.getByTestId('doc-title')).toHaveText('督办单')
  await expect(page.getByTestId('official-paper')).toContainText(w.message)
  await expect(page.getByTestId('doc-requirement')).toContainText('前将处理情况书面报送')

  // Printed: the console's frame is left out, the paper keeps its layout.
  await page.emulateMedia({ media: 'print' })
  await expect(page.locator('.app-header')).toBeHidden()
  await expect(page.locator('.app-aside')).toBeHidden()
  await expect(page.getByTestId('print')).toBeHidden()
  await expect(number).toBeVisible()
  const font = await page.getByTestId('official-paper').evaluate((el) => getComputedStyle(el).fontFamily)
  expect(font).toMatch(/FangSong/)
  const titleFont = await page.getByTestId('doc-title').evaluate((el) => getComputedStyle(el).fontFamily)
  expect(titleFont).toMatch(/SimHei|黑体|小标宋/)
  await page.emulateMedia({ media: 'screen' })
  await shot(page, 'supervision-order')

  // The warning's history shows the issue, its status unchanged.
  await page.goto(`/warnings/${w.id}`)
  const history = page.getByTestId('transitions')
  await expect(history).toContainText('签发文书')
  await expect(history).toContainText(issued)
  await expect(page.getByTestId('warning-status')).toHaveText('待处理')
  await expect(page.getByTestId('warning-documents')).toContainText(issued)
})

test('the quarterly bulletin prints as an official document', async ({ page }) => {
  await signInDemo(page, 'oversight')
  // The quarter under way: the demo district's cases are in it.
  const today = todayShanghai()
  const quarter = `${today.slice(0, 4)}-Q${Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1}`
  await page.goto(`/bulletin?quarter=${quarter}`)
  await expect(page.getByTestId('bulletin-title')).toContainText('季度通报')
  await expect(page.getByTestId('bulletin-formula')).toContainText('得分 = 100')
  await expect(page.getByTestId('bulletin-table').locator('tbody tr')).toHaveCount(3)

  await page.getByTestId('bulletin-print').click()
  await expect(page).toHaveURL(new RegExp(`/bulletin/print\\?quarter=${quarter}`))
  await page.emulateMedia({ media: 'print' })
  await expect(page.locator('.app-aside')).toBeHidden()
  await expect(page.getByTestId('doc-number')).toHaveText(/〔\d{4}〕\s+号/)
  await expect(page.getByTestId('doc-title')).toContainText('季度通报')
  await expect(page.getByTestId('bulletin-formula')).toContainText('评分方法')
  await page.emulateMedia({ media: 'screen' })
  await shot(page, 'bulletin-print')
})
