import { describe, expect, it } from 'vitest'
import { REGO_KEYWORDS, tokenize } from './regoMode'

const types = (src: string) => tokenize(src).map((t) => [t.text, t.type])

describe('the Rego tokenizer', () => {
  it.each(REGO_KEYWORDS.map((k) => [k]))('knows the keyword %s', (k) => {
    expect(types(`x ${k} y`)[1]).toEqual([k, 'keyword'])
  })

  it.each([
    ['a comment', '# METADATA', [['# METADATA', 'comment']]],
    ['a string with an escaped quote', '"a \\" b"', [['"a \\" b"', 'string']]],
    ['a Chinese string', 'msg := "罚款金额超出"', [['msg', 'variableName'], [':=', 'operator'], ['"罚款金额超出"', 'string']]],
    ['numbers', '1 -2 3.5 1e10', [['1', 'number'], ['-2', 'number'], ['3.5', 'number'], ['1e10', 'number']]],
    ['atoms', 'true false null', [['true', 'atom'], ['false', 'atom'], ['null', 'atom']]],
    ['input and data', 'input.step', [['input', 'variableName.special'], ['.', 'punctuation'], ['step', 'variableName']]],
    ['operators', 'a == b != c <= d', [['a', 'variableName'], ['==', 'operator'], ['b', 'variableName'], ['!=', 'operator'], ['c', 'variableName'], ['<=', 'operator'], ['d', 'variableName']]],
    ['brackets', 'f(x[0])', [['f', 'variableName'], ['(', 'bracket'], ['x', 'variableName'], ['[', 'bracket'], ['0', 'number'], [']', 'bracket'], [')', 'bracket']]],
    ['a comment after code', 'x := 1 # why', [['x', 'variableName'], [':=', 'operator'], ['1', 'number'], ['# why', 'comment']]],
    ['a hash inside a string is no comment', '"a # b"', [['"a # b"', 'string']]],
    ['a keyword-like identifier', 'imports', [['imports', 'variableName']]],
  ])('tokenizes %s', (_name, src, want) => {
    expect(types(src as string)).toEqual(want)
  })

  it('carries a raw string across lines', () => {
    const toks = tokenize('x := `first\nsecond`\ny := 2')
    expect(toks.map((t) => [t.text, t.type, t.line])).toEqual([
      ['x', 'variableName', 1],
      [':=', 'operator', 1],
      ['`first', 'string-2', 1],
      ['second`', 'string-2', 2],
      ['y', 'variableName', 3],
      [':=', 'operator', 3],
      ['2', 'number', 3],
    ])
  })

  it('tokenizes a whole rule', () => {
    const src = 'package compliance.custom\n\nwarnings contains w if {\n\tsome x in input.xs\n\tnot x.ok\n}\n'
    const kw = tokenize(src).filter((t) => t.type === 'keyword').map((t) => t.text)
    expect(kw).toEqual(['package', 'contains', 'if', 'some', 'in', 'not'])
  })
})
