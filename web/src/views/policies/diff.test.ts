import { describe, expect, it } from 'vitest'
import { diffLines, diffStats, hunks, moduleChanges, splitLines, statsText } from './diff'

const render = (a: string, b: string) =>
  diffLines(a, b).map((l) => (l.kind === 'same' ? ' ' : l.kind === 'add' ? '+' : '-') + l.text)

describe('splitLines', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\nb', ['a', 'b']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['a\n\n', ['a', '']],
  ])('%j', (text, want) => {
    expect(splitLines(text)).toEqual(want)
  })
})

describe('diffLines', () => {
  it.each([
    ['equal texts', 'a\nb\n', 'a\nb\n', [' a', ' b']],
    ['from nothing', '', 'a\nb\n', ['+a', '+b']],
    ['to nothing', 'a\nb\n', '', ['-a', '-b']],
    ['a line changed', 'a\nb\nc\n', 'a\nB\nc\n', [' a', '-b', '+B', ' c']],
    ['a line inserted', 'a\nc\n', 'a\nb\nc\n', [' a', '+b', ' c']],
    ['a line removed', 'a\nb\nc\n', 'a\nc\n', [' a', '-b', ' c']],
    ['lines moved keep the longest common part', 'a\nb\nc\nd\n', 'b\nc\nd\na\n', ['-a', ' b', ' c', ' d', '+a']],
    ['interleaved', 'x\na\ny\nb\n', 'a\nz\nb\n', ['-x', ' a', '-y', '+z', ' b']],
  ])('%s', (_name, a, b, want) => {
    expect(render(a, b)).toEqual(want)
  })

  it('numbers the lines of both sides', () => {
    const d = diffLines('a\nb\nc\n', 'a\nX\nY\nc\n')
    expect(d.map((l) => [l.kind, l.oldNo, l.newNo])).toEqual([
      ['same', 1, 1],
      ['del', 2, undefined],
      ['add', undefined, 2],
      ['add', undefined, 3],
      ['same', 3, 4],
    ])
  })

  it('is a minimal diff: the unchanged lines are a longest common subsequence', () => {
    const a = 'p\nq\nr\ns\nt\nu\n'
    const b = 'q\nx\ns\nt\ny\nu\np\n'
    const d = diffLines(a, b)
    expect(d.filter((l) => l.kind === 'same').map((l) => l.text)).toEqual(['q', 's', 't', 'u'])
    expect(diffStats(d)).toEqual({ added: 3, removed: 2 })
  })
})

describe('hunks', () => {
  const old = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n')

  it('has none for equal texts', () => {
    expect(hunks(diffLines(old, old))).toEqual([])
  })

  it('keeps three lines of context and merges near changes', () => {
    const changed = old.replace('line 5', 'LINE 5').replace('line 8', 'LINE 8').replace('line 18', 'LINE 18')
    const hs = hunks(diffLines(old, changed))
    expect(hs.map((h) => h.header)).toEqual(['@@ -2,10 +2,10 @@', '@@ -15,6 +15,6 @@'])
    expect(hs[0].lines[0].text).toBe('line 2')
    expect(hs[1].lines[hs[1].lines.length - 1].text).toBe('line 20')
  })

  it('starts an empty side at the line before', () => {
    expect(hunks(diffLines('', 'a\nb\n')).map((h) => h.header)).toEqual(['@@ -0,0 +1,2 @@'])
    expect(hunks(diffLines('a\n', 'a\nb\n'), 0).map((h) => h.header)).toEqual(['@@ -1,0 +2,1 @@'])
  })
})

describe('moduleChanges', () => {
  it('lists added, removed and changed modules by name with their line counts', () => {
    const from = [
      { module: 'deadline', source: 'a\nb\n' },
      { module: 'custom', source: 'x\ny\nz\n' },
      { module: 'sync', source: 's\n' },
    ]
    const to = [
      { module: 'deadline', source: 'a\nB\nc\n' },
      { module: 'sync', source: 's\n' },
      { module: 'zeta', source: 'new\n' },
    ]
    const got = moduleChanges(from, to).map((c) => [c.module, c.kind, statsText(c)])
    expect(got).toEqual([
      ['custom', 'removed', '+0 −3'],
      ['deadline', 'changed', '+2 −1'],
      ['zeta', 'added', '+1 −0'],
    ])
  })

  it('is empty between equal sets', () => {
    expect(moduleChanges([{ module: 'a', source: 'x' }], [{ module: 'a', source: 'x' }])).toEqual([])
  })
})
