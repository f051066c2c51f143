// 外部推送: the admin registers an endpoint, the demo district's events reach
// a receiver on a loopback port, and the delivery log shows each attempt.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, expect, signInDemo, shot, dialogOpen } from './fixtures'

test('the admin registers an endpoint and follows its deliveries', async ({ page, request, consoleErrors }) => {
  test.setTimeout(90_000)
  // The refusals the test provokes.
  consoleErrors.allow(/status of 422/, /\/api\/v1\/webhooks/)
  let answer = 503
  const got: string[] = []
  const receiver = http.createServer((req, res) => {
    got.push(String(req.headers['x-powercheck-delivery'] ?? ''))
    req.resume()
    res.writeHead(answer).end()
  })
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  try {
    await signInDemo(page, 'admin')
    await page.goto('/admin/webhooks')
    await expect(page.getByRole('heading', { name: '外部推送' })).toBeVisible()

    await page.getByTestId('webhook-create').click()
    const dialog = page.getByRole('dialog', { name: '新建推送地址' })
    await dialogOpen(dialog)
    await dialog.getByLabel('名称').fill('ledger')
    await dialog.getByLabel('地址').fill(url)
    await dialog.getByLabel('签名密钥').fill('short')
    await page.getByTestId('webhook-save').click()
    // The server's 422 names the field.
    await expect(dialog).toContainText('签名密钥须为 16 至 200 个字符')
    await dialog.getByLabel('签名密钥').fill('e2e-console-secret-0123')
    await page.getByTestId('webhook-save').click()
    await expect(dialog).toBeHidden()
    const row = page.getByTestId('webhook-table').locator('tr', { hasText: 'ledger' })
    await expect(row).toContainText('全部事件')
    await expect(row).not.toContainText('e2e-console-secret')

    // A case decided without review raises alarms: their events go out, and
    // the receiver refuses them first.
    const caseNo = `ZJJ-HOOK-${Date.now().toString(36).toUpperCase()}`
    const clerk = { Authorization: 'Bearer demo-zjj-clerk' }
    const at = (ago: number) => new Date(Date.now() - ago).toISOString()
    const accept = await request.post('/api/v1/steps', {
      headers: clerk,
      data: { id: `${caseNo}-accept`, case_no: caseNo, power_item_code: 'XK-ZJJ-001', step_code: 'accept', applicant: '某建设公司',
        handler: '张三', occurred_at: at(120_000), legal_basis_ids: ['LB1'] },
    })
    expect(accept.status(), await accept.text()).toBe(201)
    const decide = await request.post('/api/v1/steps', {
      headers: clerk,
      data: { id: `${caseNo}-decide`, case_no: caseNo, step_code: 'decide', handler: '张三', occurred_at: at(60_000) },
    })
    expect(decide.status(), await decide.text()).toBe(201)
    await expect.poll(() => got.length, { timeout: 15_000 }).toBeGreaterThan(0)
    await row.getByRole('button', { name: '推送记录' }).click()
    const log = page.getByTestId('delivery-table')
    await page.getByRole('button', { name: '刷新' }).last().click()
    await expect(log).toContainText('待推送')
    await log.locator('.el-table__expand-icon').first().click()
    await expect(log).toContainText('HTTP 503')

    answer = 200
    await page.getByRole('radio', { name: '失败记录' }).click({ force: true })
    await expect(log).toContainText('没有推送记录')
    await page.getByRole('radio', { name: '全部' }).click({ force: true })
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: '刷新' }).last().click()
          return (await log.textContent()) ?? ''
        },
        { timeout: 30_000 },
      )
      .toContain('已送达')
    await shot(page, 'admin-webhooks')

    // The allow-list refuses what is not a host, an address or a range.
    await page.getByRole('tab', { name: '允许的目标' }).click()
    await page.getByLabel('允许推送的目标').fill('not a host!')
    await page.getByTestId('allow-save').click()
    await expect(page.getByText('推送设置有误')).toBeVisible()
    await page.getByLabel('允许推送的目标').fill('127.0.0.0/8')
    await page.getByTestId('allow-save').click()
    await expect(page.getByText('已保存允许推送的目标')).toBeVisible()

    // The mail settings: the password is written, never shown again.
    await page.getByRole('tab', { name: '邮件提醒' }).click()
    await page.getByLabel('SMTP 服务器').fill('smtp.example.cn')
    await page.getByLabel('发件人').fill('powercheck@example.cn')
    await page.getByLabel('密码').fill('smtp-e2e-password')
    await page.getByLabel('收件人').fill('zjj-admin wang@example.cn')
    await page.getByTestId('mail-save').click()
    await expect(page.getByText('已保存邮件设置')).toBeVisible()
    await expect(page.getByLabel('密码')).toHaveValue('')
    await expect(page.getByLabel('密码')).toHaveAttribute('placeholder', '已设置，不填则保留')
    await expect(page.getByLabel('收件人')).toHaveValue('zjj-admin wang@example.cn')
  } finally {
    receiver.close()
  }
})
