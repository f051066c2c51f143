import { describe, expect, it } from 'vitest'
import { activeAndCandidate, candidateSource, impactTotal, moduleTemplate, newModuleProblem } from './model'
import type { ModuleState } from './model'

const m = (module: string, state: ModuleState['state'], source: string, draft?: string): ModuleState => ({ module, state, source, draft })

describe('what publishing would change', () => {
  const ms = [m('a', 'active', 'A'), m('b', 'draft', 'B', 'B2'), m('c', 'new', '', 'C'), m('d', 'removed', 'D', '')]

  it.each([
    ['active', ms[0], 'A'],
    ['draft', ms[1], 'B2'],
    ['new', ms[2], 'C'],
    ['removed', ms[3], null],
  ])('a module in state %s publishes its %s', (_s, mod, want) => {
    expect(candidateSource(mod)).toBe(want)
  })

  it('compares the modules in force with the candidate', () => {
    expect(activeAndCandidate(ms)).toEqual({
      active: [
        { module: 'a', source: 'A' },
        { module: 'b', source: 'B' },
        { module: 'd', source: 'D' },
      ],
      candidate: [
        { module: 'a', source: 'A' },
        { module: 'b', source: 'B2' },
        { module: 'c', source: 'C' },
      ],
    })
  })
})

describe('new modules', () => {
  it.each([
    ['custom', ''],
    ['custom_test', ''],
    ['Custom', '模块名只能由小写字母、数字和下划线组成，并以字母开头'],
    ['1x', '模块名只能由小写字母、数字和下划线组成，并以字母开头'],
    ['', '模块名只能由小写字母、数字和下划线组成，并以字母开头'],
    ['deadline', '模块 deadline 已存在'],
  ])('%j → %j', (name, want) => {
    expect(newModuleProblem(name, ['deadline'])).toBe(want)
  })

  it('start from a package of their own name, tests importing their module', () => {
    expect(moduleTemplate('custom')).toMatch(/^package compliance\.custom\n[\s\S]*# METADATA\n# title: /)
    expect(moduleTemplate('custom_test')).toMatch(/^package compliance\.custom_test\n\nimport data\.compliance\.custom\n/)
  })
})

it('sums an impact table', () => {
  expect(impactTotal(null)).toBe(0)
  expect(impactTotal([{ rule: 'r', level: 'alarm', department_code: 'ZJJ', count: 2, examples: [] }, { rule: 's', level: 'alarm', department_code: 'SCJ', count: 3, examples: null }])).toBe(5)
})
