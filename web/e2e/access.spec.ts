// Sign-in, the role guard (pages and API) and the CSRF check.
import { test, expect, signIn, signInDemo, shot, shanghaiDay } from './fixtures'
import type { Page } from '@playwright/test'

test('the sign-in page refuses a wrong password and signs a clerk in', async ({ page, consoleErrors }) => {
  // The wrong password's 401, which Chromium logs as a console error.
  consoleErrors.allow(/status of 401/, /\/api\/v1\/session$/)
  await page.goto('/')
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByRole('heading', { name: '行政权力运行监察平台' })).toBeVisible()
  await shot(page, 'sign-in')

  await signInAttempt(page, 'zjj-clerk', 'wrong-password')
  await expect(page.getByTestId('sign-in-error')).toBeVisible()
  await expect(page).toHaveURL(/\/login$/)

  await signIn(page, 'zjj-clerk', 'demo-zjj-clerk')
  await expect(page).toHaveURL(/\/$/)
  await expect(page.getByTestId('user-name')).toHaveText('张三')
  await expect(page.getByTestId('user-role')).toHaveText('录入员')
})

async function signInAttempt(page: Page, username: string, password: string) {
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
}

test('a clerk cannot open the supervision pages, and the API refuses them too', async ({ page }) => {
  await signInDemo(page, 'zjj-clerk')
  const menu = page.getByRole('menubar', { name: '主菜单' }).or(page.getByRole('menu', { name: '主菜单' }))
  await expect(menu.getByText('办件', { exact: true })).toBeVisible()
  await expect(menu.getByText('抽查', { exact: true })).toHaveCount(0)
  await expect(menu.getByText('移送', { exact: true })).toHaveCount(0)

  for (const path of ['/spot-checks', '/referrals']) {
    await page.goto(path)
    await expect(page).toHaveURL(/\/forbidden/)
    await expect(page.getByText('无权访问')).toBeVisible()
  }
  await shot(page, 'forbidden')

  for (const path of ['/api/v1/spot-checks', '/api/v1/audit']) {
    const res = await page.request.get(path)
    expect(res.status(), path).toBe(403)
    expect((await res.json()).error.code).toBe('forbidden')
  }
  // The same session still reads what a clerk may.
  expect((await page.request.get('/api/v1/cases')).status()).toBe(200)
})

test('a forged request without the CSRF token is refused and stores nothing', async ({ page, consoleErrors }) => {
  // Chromium logs the refusal this test provokes.
  consoleErrors.allow(/status of 403/, /\/api\/v1\/patrols$/)
  await signInDemo(page, 'scj-inspector')
  // Every patrol below is dated one minute ago; the ledger day is that
  // minute's (a run just after midnight in Shanghai counts yesterday).
  const at = new Date(Date.now() - 60_000).toISOString()
  const today = shanghaiDay(new Date(at))
  const patrolsToday = async () => {
    const res = await page.request.get('/api/v1/ledgers/patrols', { params: { from: today, to: today } })
    expect(res.status()).toBe(200)
    const days = (await res.json()).days as { date: string; patrols: number }[]
    return days.find((d) => d.date === today)?.patrols ?? 0
  }
  const before = await patrolsToday()

  // Posts a patrol from inside the page with the session's cookie, as a forged
  // form would: token is the X-CSRF-Token sent (none when undefined), or
  // 'session' for the session's own.
  const postPatrol = (token: string | undefined, findings: string) =>
    page.evaluate(
      async ({ at, token, findings }) => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' }
        if (token === 'session') token = (await (await fetch('/api/v1/session', { credentials: 'include' })).json()).csrf_token
        if (token !== undefined) headers['X-CSRF-Token'] = token
        const res = await fetch('/api/v1/patrols', {
          method: 'POST',
          credentials: 'include',
          headers,
          body: JSON.stringify({ at, findings, problems: [] }),
        })
        return { status: res.status, body: await res.json().catch(() => null) }
      },
      { at, token, findings },
    )

  // No token, and a wrong token, are refused alike.
  for (const token of [undefined, 'not-the-token']) {
    const forged = await postPatrol(token, '伪造的巡查记录')
    expect(forged.status, `X-CSRF-Token ${token ?? '(none)'}`).toBe(403)
    expect(forged.body.error.code).toBe('csrf')
    expect(await patrolsToday()).toBe(before)
  }

  // The same request with the session's token is taken: the refusal was the token's.
  const genuine = await postPatrol('session', '巡查本部门平台办件，未见异常')
  expect(genuine.status).toBe(201)
  expect(await patrolsToday()).toBe(before + 1)
})
