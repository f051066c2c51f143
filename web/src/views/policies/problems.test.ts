import { describe, expect, it } from 'vitest'
import { ApiError } from '../../api'
import { placeText, problemsOf, toDiagnostics } from './problems'
import type { Problem } from './problems'

const problem = (p: Partial<Problem>): Problem => ({
  module: 'custom',
  line: 1,
  column: 1,
  code: 'rego_parse_error',
  message: 'unexpected eof token',
  message_zh: '语法错误：unexpected eof token',
  ...p,
})

const text = 'package compliance.custom\n\nwarnings contains x if {\n\tx := [1,\n}\n'

describe('problemsOf', () => {
  it('reads the located problems of a 422', () => {
    const e = new ApiError(422, 'policy_invalid', '策略未通过校验', [
      { module: 'custom', line: 4, column: 7, code: 'rego_parse_error', message: 'unexpected }', message_zh: '语法错误：unexpected }' },
      { module: 'custom', line: 2, column: 1, code: 'x', message: 'only English' },
      { field: 'source', message: 'not a problem' },
    ])
    expect(problemsOf(e)).toEqual([
      { module: 'custom', line: 4, column: 7, code: 'rego_parse_error', message: 'unexpected }', message_zh: '语法错误：unexpected }' },
      { module: 'custom', line: 2, column: 1, code: 'x', message: 'only English', message_zh: 'only English' },
    ])
  })

  it.each([
    ['another status', new ApiError(409, 'conflict', 'x', [{ line: 1 }])],
    ['no details', new ApiError(422, 'policy_invalid', 'x')],
    ['not an API error', new Error('x')],
  ])('is empty for %s', (_name, e) => {
    expect(problemsOf(e)).toEqual([])
  })
})

describe('toDiagnostics', () => {
  it.each([
    ['the word at line and column', problem({ line: 3, column: 1 }), 'warnings'],
    ['a word inside the line', problem({ line: 3, column: 10 }), 'contains'],
    ['one character where no word starts', problem({ line: 4, column: 7 }), '['],
    ['the first line when the line is unknown', problem({ line: 0, column: 0 }), 'package'],
    ['the last line past the end', problem({ line: 99, column: 1 }), ''],
    ['a column past the line end marks its last character', problem({ line: 5, column: 9 }), '}'],
    ['Chinese words', problem({ line: 1, column: 1 }), 'package'],
  ])('marks %s', (_name, p, want) => {
    const [d] = toDiagnostics([p], 'custom', text)
    expect(text.slice(d.from, d.to)).toBe(want)
    expect(d.severity).toBe('error')
  })

  it('starts at the offset of the line and column', () => {
    const [d] = toDiagnostics([problem({ line: 4, column: 2 })], 'custom', text)
    const line4 = text.split('\n').slice(0, 3).join('\n').length + 1
    expect(d.from).toBe(line4 + 1)
  })

  it('keeps only the module being edited, with both messages', () => {
    const ds = toDiagnostics([problem({ module: 'custom_test' }), problem({ line: 3 })], 'custom', text)
    expect(ds).toHaveLength(1)
    expect(ds[0].message).toBe('语法错误：unexpected eof token\nunexpected eof token')
    expect(ds[0].source).toBe('rego_parse_error')
  })
})

describe('placeText', () => {
  it.each([
    [{ line: 3, column: 5 }, '第 3 行 第 5 列'],
    [{ line: 3, column: 0 }, '第 3 行'],
    [{ line: 0, column: 0 }, '位置未知'],
  ])('%j → %s', (p, want) => {
    expect(placeText(p)).toBe(want)
  })
})
