import { describe, expect, it } from 'vitest'
import { menuEntries, roleAllowed } from '../../router/access'
import type { Role } from '../../format'
import routes from './routes'

const records = routes.map((r) => ({ path: r.path, meta: r.meta ?? {} }))
const byName = (name: string) => routes.find((r) => r.name === name)!.meta

describe('catalog pages', () => {
  it.each<[Role, string[]]>([
    ['legal', ['事项目录', '待审定调整', '清理清单']],
    ['dept_admin', ['事项目录', '待审定调整', '清理清单']],
    ['oversight', ['事项目录', '清理清单']],
    ['clerk', ['事项目录']],
    ['supervision', ['事项目录']],
  ])('%s sees %o in the menu, under 权力清单', (role, want) => {
    const entries = menuEntries(role, records)
    expect(entries.map((e) => e.title)).toEqual(want)
    expect(entries.every((e) => e.group === '权力清单')).toBe(true)
  })

  it.each<[string, Role, boolean]>([
    ['catalog-item', 'clerk', true],
    ['catalog-edit', 'legal', true],
    ['catalog-edit', 'dept_admin', true],
    ['catalog-edit', 'oversight', false],
    ['catalog-new', 'clerk', false],
    ['catalog-pending', 'supervision', false],
  ])('%s is open to %s: %s', (name, role, want) => {
    expect(roleAllowed(byName(name), role)).toBe(want)
  })
})
