// The admin creates an account with an initial password; the new user must
// change it at the first sign-in before reaching the 工作台. Plus the
// 系统管理 pages.
import { test, expect, pick, signIn, signInDemo, shot, dialogOpen } from './fixtures'

test('the 系统管理 pages open for the admin', async ({ page }) => {
  await signInDemo(page, 'admin')
  const pages: [string, string | RegExp, string][] = [
    ['/admin/departments', '部门', 'admin-departments'],
    ['/admin/accounts', '账号', 'admin-accounts'],
    ['/admin/calendar', /节假日/, 'admin-calendar'],
    ['/admin/status', /系统状态/, 'admin-status'],
    ['/admin/audit', /审计日志/, 'admin-audit'],
  ]
  for (const [path, heading, name] of pages) {
    await page.goto(path)
    await expect(page.getByRole('heading', { name: heading }).first()).toBeVisible()
    await shot(page, name)
  }
})

test('an admin creates an account; the new user must change the password first', async ({ page }) => {
  const username = `zjj-e2e-${Date.now().toString(36)}`
  const initial = 'Chushi-Mima-2026'
  const chosen = 'Xin-Mima-2026-e2e'

  await signInDemo(page, 'admin')
  await page.goto('/admin/accounts')
  await page.getByRole('button', { name: '新建账号' }).click()
  const create = page.getByRole('dialog', { name: '新建账号' })
  await dialogOpen(create)
  await create.getByLabel('用户名').fill(username)
  await create.getByLabel('实名').fill('周测试')
  await pick(page, create.getByLabel('角色'), '录入员')
  await pick(page, create.getByLabel('所属部门'), /区住房和城乡建设局/)
  await create.getByLabel('初始密码').fill(initial)
  await create.getByRole('button', { name: '创建' }).click()

  const created = page.getByRole('dialog', { name: '账号已创建' })
  await expect(created).toBeVisible()
  await expect(created).toContainText('已设置初始密码')
  await created.getByRole('button', { name: '我已妥善保存，关闭' }).click()
  await expect(created).toBeHidden()
  const row = page.getByTestId('account-table').locator('tr', { hasText: username })
  await expect(row).toContainText('周测试')
  await expect(row).toContainText('录入员')
  await expect(row).toContainText('待改密码')

  // Sign out, and sign in as the new user.
  await page.getByRole('button', { name: '退出登录' }).click()
  await page.getByRole('dialog', { name: '退出登录' }).getByRole('button', { name: '退出登录' }).click()
  await expect(page).toHaveURL(/\/login/)

  await signIn(page, username, initial)
  await expect(page).toHaveURL(/\/password$/)
  await expect(page.getByText('首次登录或密码已被重置，请先设置新密码')).toBeVisible()
  // Nothing else until the password is changed: not the pages, not the API.
  await page.goto('/cases')
  await expect(page).toHaveURL(/\/password$/)
  const refused = await page.request.get('/api/v1/cases')
  expect(refused.status()).toBe(403)
  expect((await refused.json()).error.code).toBe('password_change_required')
  await shot(page, 'change-password')

  await page.getByLabel('原密码').fill(initial)
  await page.getByLabel('新密码', { exact: true }).fill(chosen)
  await page.getByLabel('确认新密码').fill(chosen)
  await page.getByRole('button', { name: '确认修改' }).click()

  await expect(page).toHaveURL(/\/$/)
  await expect(page.getByRole('heading', { name: '工作台' })).toBeVisible()
  await expect(page.getByTestId('greeting')).toContainText('周测试，您好！')
  await expect(page.getByTestId('user-role')).toHaveText('录入员')
  expect((await page.request.get('/api/v1/cases')).status()).toBe(200)
})
