// The console shows what people typed as text. Vue's {{ }} escapes it; these
// are the ways around that, and none may appear in the source.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const src = path.dirname(fileURLToPath(import.meta.url))

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return /\.(vue|ts)$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [p] : []
  })
}

describe('text is never rendered as HTML', () => {
  const files = sources(src)
  it('finds the console sources', () => {
    expect(files.some((f) => f.endsWith('CaseDetail.vue'))).toBe(true)
  })
  it.each([
    ['v-html', /\bv-html\b/],
    ['innerHTML', /\.innerHTML\b|\bouterHTML\b|insertAdjacentHTML/],
    ['dangerouslyUseHTMLString', /dangerouslyUseHTMLString/],
    ['document.write', /document\.write/],
  ])('no %s', (_name, pattern) => {
    const found = files.filter((f) => pattern.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(src, f))
    expect(found).toEqual([])
  })
})
