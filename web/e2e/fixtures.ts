// The test of every browser test: it fails on any console error or uncaught
// page error, except those a test provokes on purpose and declares with
// consoleErrors.allow() (e.g. the 401 of a wrong password).
// Helpers: signIn through the real sign-in page, shot() into docs/screenshots.
import { test as base, expect } from '@playwright/test'
import type { APIRequestContext, ConsoleMessage, Locator, Page } from '@playwright/test'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
/** The repository's docs/screenshots. */
export const screenshotDir = path.resolve(here, '..', '..', 'docs', 'screenshots')

interface Allowed {
  /** Matched against the message text. */
  text: RegExp
  /** Matched against the URL the message is about (network errors carry the request's URL). */
  url?: RegExp
}

export interface ConsoleErrors {
  /** The errors seen so far that are not allowed. */
  readonly unexpected: string[]
  /** Allows console errors matching text (and url) in this test, e.g. a refusal the test provokes. */
  allow(text: RegExp, url?: RegExp): void
}

function describe(m: ConsoleMessage): string {
  const loc = m.location()
  return `console.error: ${m.text()}${loc.url ? ` (${loc.url}${loc.lineNumber ? `:${loc.lineNumber}` : ''})` : ''}`
}

export const test = base.extend<{ consoleErrors: ConsoleErrors }>({
  consoleErrors: [
    async ({ page }, use) => {
      const allowed: Allowed[] = []
      const seen: { text: string; url: string; line: string }[] = []
      page.on('console', (m) => {
        if (m.type() === 'error') seen.push({ text: m.text(), url: m.location().url ?? '', line: describe(m) })
      })
      page.on('pageerror', (e) => seen.push({ text: e.message, url: '', line: `pageerror: ${e.stack || e.message}` }))
      const errors: ConsoleErrors = {
        get unexpected() {
          return seen
            .filter((s) => !allowed.some((a) => a.text.test(s.text) && (!a.url || a.url.test(s.url))))
            .map((s) => s.line)
        },
        allow(text: RegExp, url?: RegExp) {
          allowed.push({ text, url })
        },
      }
      await use(errors)
      expect(errors.unexpected, 'browser console errors and page errors').toEqual([])
    },
    { auto: true },
  ],
})

export { expect }

/**
 * Waits until a dialog has finished opening: visible, and its opening
 * transition over. A dialog that focuses its first field does so when the
 * transition ends, and typing before that could land in the wrong field.
 */
export async function dialogOpen(dialog: Locator): Promise<Locator> {
  await expect(dialog).toBeVisible()
  await expect(dialog.page().locator('[class*="-enter-active"]')).toHaveCount(0)
  return dialog
}

/**
 * Opens 新建办件 on the case list and fills in a 建筑工程施工许可 case with
 * caseNo; answers the dialog, ready for what else the test enters.
 */
export async function fillNewCase(page: Page, caseNo: string): Promise<Locator> {
  await page.getByRole('button', { name: '新建办件' }).click()
  const create = page.getByRole('dialog', { name: '新建办件（受理）' })
  await dialogOpen(create)
  await create.getByTestId('item-select').click()
  await page.getByRole('option', { name: /^建筑工程施工许可/ }).click()
  await create.getByLabel('办件编号').fill(caseNo)
  await create.getByLabel('申请人').fill('某城建开发有限公司')
  return create
}

/** Waits until no Element Plus loading mask is showing. */
export async function settled(page: Page): Promise<void> {
  await expect(page.locator('.el-loading-mask:visible')).toHaveCount(0)
}

/** Signs in through the sign-in page and waits to leave it. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page).not.toHaveURL(/\/login/)
}

/** Signs in as a demo account: its password is its demo token. */
export async function signInDemo(page: Page, username: string): Promise<void> {
  await signIn(page, username, `demo-${username}`)
}

/** Saves a full-page screenshot to docs/screenshots/<name>.png once the page has settled. */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screenshotDir, { recursive: true })
  await settled(page)
  await page.screenshot({
    path: path.join(screenshotDir, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
    // The layout scrolls inside its main area: let the page grow instead, so
    // that the whole page is captured. Passing toasts are not part of it.
    style: [
      '.app-shell { height: auto !important; min-height: 100vh; overflow: visible !important; }',
      '.app-main { overflow: visible !important; }',
      '.el-message { display: none !important; }',
    ].join('\n'),
  })
}

/**
 * Picks option in an Element Plus select, given the select's combobox (e.g.
 * dialog.getByLabel('角色')) or its wrapper (e.g. getByTestId('filter-level')).
 */
export async function pick(page: Page, select: Locator, option: string | RegExp): Promise<void> {
  const wrapper = select.locator('xpath=ancestor-or-self::div[contains(concat(" ", @class, " "), " el-select ")][1]')
  await wrapper.click()
  const item = page.getByRole('option', typeof option === 'string' ? { name: option, exact: true } : { name: option })
  await item.click()
  // A multiple select stays open (a single one is closing): Tab closes it and moves on.
  if (await item.isVisible()) await page.keyboard.press('Tab')
  await expect(item).toBeHidden()
}

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function todayShanghai(): string {
  return shanghaiDay(new Date())
}

/** 'YYYY-MM-DD' of an instant in Asia/Shanghai. */
export function shanghaiDay(t: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t)
}

/**
 * Makes sure the holiday calendar knows year: a run in a year whose official
 * schedule is not embedded yet (early January, say) enters it as weekends
 * only, as the admin would have to, so that the ledgers can be read at all.
 */
export async function ensureCalendarYear(request: APIRequestContext, year: number): Promise<void> {
  const ready = await request.get('/readyz')
  const missing: number[] = (await ready.json()).calendar_missing_years ?? []
  if (!missing.includes(year)) return
  const res = await request.put(`/api/v1/calendar/${year}`, {
    headers: { Authorization: 'Bearer demo-admin' },
    data: { year, source: 'browser tests: weekends only', holidays: [], workdays: [] },
  })
  expect(res.status(), `PUT /api/v1/calendar/${year}`).toBe(200)
}
