// The public pages, as a citizen reads them without signing in: on a phone
// (390×844, as in WeChat's browser) and on a desktop (1366×768).
import { test, expect, shot, settled, shanghaiDay, todayShanghai } from './fixtures'
import type { Page } from '@playwright/test'

const viewports = [
  { name: 'phone', width: 390, height: 844, suffix: '-phone' },
  { name: 'desktop', width: 1366, height: 768, suffix: '' },
]

/** The page is no wider than the screen: nothing to scroll sideways. */
async function fitsWidth(page: Page, width: number) {
  await settled(page)
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(scrollWidth, 'horizontal scroll').toBeLessThanOrEqual(width)
}

test('the sign-in page leads to the public pages', async ({ page }) => {
  await page.goto('/login')
  await page.getByRole('link', { name: '公开信息' }).click()
  await expect(page).toHaveURL(/\/public\/items$/)
  await expect(page.getByRole('heading', { name: '权力清单', level: 1 })).toBeVisible()
  await expect(page).toHaveTitle('权力清单 - 区行政权力公开')
  // /public itself opens the list; the header links to the three sections.
  await page.goto('/public')
  await expect(page).toHaveURL(/\/public\/items$/)
  const nav = page.getByRole('navigation', { name: '公开信息栏目' })
  await nav.getByRole('link', { name: '办件查询' }).click()
  await expect(page.getByRole('heading', { name: '办件查询', level: 1 })).toBeVisible()
  await nav.getByRole('link', { name: '运行数据' }).click()
  await expect(page.getByRole('heading', { name: '运行数据', level: 1 })).toBeVisible()
  await expect(nav.getByRole('link', { name: '运行数据' })).toHaveAttribute('aria-current', 'page')
})

for (const vp of viewports) {
  test.describe(`on a ${vp.name}`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } })

    test('the list, a search and an item with its flowchart', async ({ page }) => {
      await page.goto('/public/items')
      await expect(page.getByRole('banner')).toContainText('区行政权力公开')
      const list = page.getByTestId('public-items')
      await expect(list).toContainText('建筑工程施工许可')
      await expect(list).toContainText('XK-ZJJ-001')
      await expect(list).toContainText('承诺时限')
      await fitsWidth(page, vp.width)
      await shot(page, `public-items${vp.suffix}`)

      await page.getByLabel('关键词').fill('建筑工程')
      await page.getByRole('button', { name: '查询' }).click()
      await expect(page).toHaveURL(/q=/)
      await expect(list.locator(':scope > li')).toHaveCount(1)
      await expect(list).toContainText('建筑工程施工许可')
      await expect(list).not.toContainText('食品经营许可')

      await list.getByRole('link', { name: '建筑工程施工许可' }).click()
      await expect(page).toHaveURL(/\/public\/items\/XK-ZJJ-001$/)
      await expect(page.getByRole('heading', { name: '建筑工程施工许可', level: 1 })).toBeVisible()
      const item = page.getByTestId('public-item')
      await expect(item).toContainText('区住房和城乡建设局')
      await expect(page.getByTestId('public-item-limit')).toHaveText('7 个工作日')
      await expect(page.getByTestId('public-item-bases')).toContainText('《中华人民共和国建筑法》第八条')
      for (const h of ['设定依据', '申请条件', '申请材料', '收费', '咨询方式', '办理流程']) {
        await expect(page.getByRole('heading', { name: h, level: 2 })).toBeVisible()
      }
      // What the applicant needs to know, as the demo catalog discloses it.
      await expect(item).toContainText('已经办理该建筑工程用地批准手续')
      await expect(item).toContainText('施工图设计文件审查合格书')
      await expect(item).toContainText('不收费')
      await expect(item).toContainText('12345')

      // The flowchart: four steps in order, 决定 marked as a checkpoint, 审查 with its limit.
      const chart = page.getByTestId('public-flow-boxes')
      await expect(chart).toBeVisible()
      await expect(chart.getByTestId('flow-step-1')).toContainText('受理')
      await expect(chart.getByTestId('flow-step-2')).toContainText('审查')
      await expect(chart.getByTestId('flow-step-2')).toContainText('时限 5 个工作日')
      await expect(chart.getByTestId('flow-step-3')).toContainText('决定')
      await expect(chart.getByTestId('flow-step-3').getByTestId('flow-checkpoint')).toBeVisible()
      await expect(chart.getByTestId('flow-step-3')).toContainText('廉政风险防控点')
      await expect(chart.getByTestId('flow-step-4')).toContainText('送达')
      await expect(chart.getByTestId('flow-checkpoint')).toHaveCount(1)
      // The same for screen readers, as a list.
      const text = page.getByTestId('public-flow-text').locator('li')
      await expect(text).toHaveCount(4)
      await expect(text.nth(2)).toHaveText(/第 3 步：决定；廉政风险防控点/)
      await fitsWidth(page, vp.width)
      await shot(page, `public-item${vp.suffix}`)

      // A penalty's discretion standards.
      await page.goto('/public/items/CF-SCJ-001')
      await expect(page.getByTestId('public-item-discretion')).toContainText('50,000 元以上 100,000 元以下')
      await expect(page.getByTestId('public-item-discretion')).toContainText('货值金额的 10 倍以上 20 倍以下')
      await fitsWidth(page, vp.width)
    })

    test('an applicant looks up their case', async ({ page, request, consoleErrors }) => {
      const occurred = new Date(Date.now() - 120_000)
      const caseNo = `ZJJ-PUB-${vp.name.toUpperCase()}-${Date.now().toString(36).toUpperCase()}`
      const res = await request.post('/api/v1/steps', {
        headers: { Authorization: 'Bearer demo-zjj-clerk' },
        data: {
          id: `${caseNo}-accept`, case_no: caseNo, power_item_code: 'XK-ZJJ-001', step_code: 'accept',
          applicant: '某建设公司', handler: '张三', occurred_at: occurred.toISOString(),
          legal_basis_ids: ['LB1'],
        },
      })
      expect(res.status(), await res.text()).toBe(201)
      const code: string = (await res.json()).query_code
      expect(code).toMatch(/^[A-Z0-9]{8}$/)

      await page.goto('/public/cases')
      // Both fields are asked for before anything is sent.
      await page.getByRole('button', { name: '查询' }).click()
      await expect(page.getByText('请输入办件编号')).toBeVisible()
      await expect(page.getByText('请输入查询码')).toBeVisible()

      await page.getByLabel('办件编号').fill(caseNo)
      await page.getByLabel('查询码').fill(code)
      await page.getByRole('button', { name: '查询' }).click()
      const result = page.getByTestId('lookup-result')
      await expect(result).toContainText(caseNo)
      await expect(result).toContainText('建筑工程施工许可')
      await expect(result).toContainText('区住房和城乡建设局')
      await expect(page.getByTestId('lookup-status')).toHaveText('办理中')
      await expect(page.getByText('请输入办件编号')).toBeHidden()
      await expect(page.getByText('请输入查询码')).toBeHidden()
      const [y, m, d] = shanghaiDay(occurred).split('-').map(Number)
      await expect(page.getByTestId('lookup-steps')).toHaveText(`受理${y}年${m}月${d}日`)
      await expect(result).toContainText(`受理日期${y}年${m}月${d}日`)
      await fitsWidth(page, vp.width)
      await shot(page, `public-case${vp.suffix}`)

      if (vp.name === 'desktop') {
        // A wrong code reads as an unknown case (and counts as a failed attempt: once only).
        const wrong = code === 'ZZZZZZZZ' ? 'YYYYYYYY' : 'ZZZZZZZZ'
        await page.getByLabel('查询码').fill(wrong)
        // The browser logs the 404 of the lookup.
        consoleErrors.allow(/404/, /\/api\/public\/v1\/cases\//)
        await page.getByRole('button', { name: '查询' }).click()
        await expect(page.getByTestId('lookup-error')).toContainText('未找到该办件，请核对办件编号和查询码')
        await expect(result).toBeHidden()
      }
    })

    test('the monthly figures', async ({ page, request }) => {
      const today = todayShanghai()
      // The page opens on last month.
      let [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1]
      if (m === 0) [y, m] = [y - 1, 12]
      await page.goto('/public/stats')
      await expect(page.getByRole('heading', { name: `${y}年${m}月各部门运行数据` })).toBeVisible()
      await expect(page).toHaveURL(new RegExp(`month=${y}-${String(m).padStart(2, '0')}`))

      // This month: the demo departments exist (they were created today).
      const month = today.slice(0, 7)
      await page.goto(`/public/stats?month=${month}`)
      const table = page.getByTestId('public-stats-table')
      await expect(table).toBeVisible()
      await expect(table).toContainText('区住房和城乡建设局')
      await expect(table).toContainText('区市场监督管理局')
      const api = await (await request.get('/api/public/v1/stats', { params: { month } })).json()
      const zjj = api.departments.find((d: { department_code: string }) => d.department_code === 'ZJJ')
      await expect(table.locator('tr', { hasText: '区住房和城乡建设局' }).locator('td').first()).toHaveText(String(zjj.cases_accepted))
      const chart = page.getByTestId('public-stats-chart')
      await expect(chart.locator('canvas')).toBeVisible()
      const box = await chart.boundingBox()
      expect(box && box.width > 200 && box.height > 200).toBe(true)

      const downloads = page.getByTestId('public-downloads')
      await expect(downloads.getByRole('link', { name: '权力清单（CSV）' })).toHaveAttribute('href', '/api/public/v1/catalog.csv')
      await expect(downloads.getByRole('link', { name: '权力清单（JSON）' })).toHaveAttribute('href', '/api/public/v1/catalog.json')
      const csv = downloads.getByRole('link', { name: /运行数据（CSV）/ })
      await expect(csv).toHaveAttribute('href', `/api/public/v1/stats.csv?month=${month}`)
      for (const href of ['/api/public/v1/catalog.csv', '/api/public/v1/catalog.json', `/api/public/v1/stats.csv?month=${month}`]) {
        expect((await request.get(href)).status(), href).toBe(200)
      }
      await fitsWidth(page, vp.width)
      await shot(page, `public-stats${vp.suffix}`)
    })
  })
}
