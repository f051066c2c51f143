// Browser tests of the console against the real server (../bin/powercheck,
// built by `make build` with the console embedded) on a fresh SQLite database
// with the demo district. Run: cd web && npx playwright test
// Uses the system Chromium (/usr/bin/chromium or $CHROMIUM); never downloads one.
import { defineConfig } from '@playwright/test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const port = Number(process.env.E2E_PORT || 18766)
const baseURL = `http://127.0.0.1:${port}`

// One fresh database per run. The config is loaded again in each worker: the
// runner's directory reaches them through the environment.
if (!process.env.POWERCHECK_E2E_DIR) {
  process.env.POWERCHECK_E2E_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'powercheck-e2e-'))
}
const dbPath = path.join(process.env.POWERCHECK_E2E_DIR, 'e2e.db')
// The binary under test: ../bin/powercheck (make build), or $POWERCHECK_BIN.
const binary = process.env.POWERCHECK_BIN || path.resolve(here, '..', 'bin', 'powercheck')

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  globalTeardown: './e2e/teardown.ts',
  use: {
    baseURL,
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
    screenshot: 'only-on-failure',
    trace: 'off',
    video: 'off',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `"${binary}" serve --db "sqlite:${dbPath}" --demo --addr 127.0.0.1:${port}`,
    url: `${baseURL}/readyz`,
    env: { POWERCHECK_BOOTSTRAP_TOKEN: 'demo-admin' },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
})
