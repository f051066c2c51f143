// Removes the run's temporary database directory (made in playwright.config.ts).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export default async function teardown(): Promise<void> {
  const dir = process.env.POWERCHECK_E2E_DIR
  if (!dir || !path.basename(dir).startsWith('powercheck-e2e-') || path.dirname(dir) !== os.tmpdir()) return
  fs.rmSync(dir, { recursive: true, force: true })
}
