// A line diff of policy sources: the longest common subsequence of the two
// texts' lines, shown as a unified diff with a few lines of context.

export type DiffKind = 'same' | 'add' | 'del'

export interface DiffLine {
  kind: DiffKind
  text: string
  /** Line number in the old text (same, del). */
  oldNo?: number
  /** Line number in the new text (same, add). */
  newNo?: number
}

export interface Hunk {
  /** '@@ -a,b +c,d @@' */
  header: string
  lines: DiffLine[]
}

/** Above this many cells of the LCS table, the changed middle is shown as removed and added whole. */
export const MAX_LCS_CELLS = 4_000_000

/** The lines of a text: a final newline ends the last line and adds none; '' has no lines. */
export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split(/\r?\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The line diff of a → b, in order: unchanged, removed and added lines. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = splitLines(a)
  const y = splitLines(b)
  // Common head and tail are cheap to take off; the table is for the middle.
  let head = 0
  while (head < x.length && head < y.length && x[head] === y[head]) head++
  let tail = 0
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++
  const xs = x.slice(head, x.length - tail)
  const ys = y.slice(head, y.length - tail)

  const out: DiffLine[] = []
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: x[i], oldNo: i + 1, newNo: i + 1 })
  for (const d of middle(xs, ys)) {
    if (d.kind !== 'add') d.oldNo = (d.oldNo as number) + head
    if (d.kind !== 'del') d.newNo = (d.newNo as number) + head
    out.push(d)
  }
  for (let i = tail; i > 0; i--) {
    out.push({ kind: 'same', text: x[x.length - i], oldNo: x.length - i + 1, newNo: y.length - i + 1 })
  }
  return out
}

function middle(x: string[], y: string[]): DiffLine[] {
  const n = x.length
  const m = y.length
  const out: DiffLine[] = []
  if (n * m > MAX_LCS_CELLS) {
    x.forEach((text, i) => out.push({ kind: 'del', text, oldNo: i + 1 }))
    y.forEach((text, j) => out.push({ kind: 'add', text, newNo: j + 1 }))
    return out
  }
  // lcs[i][j]: the LCS length of x[i:] and y[j:], one flat array.
  const w = m + 1
  const lcs = new Uint32Array((n + 1) * w)
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1])
    }
  }
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ kind: 'same', text: x[i], oldNo: i + 1, newNo: j + 1 })
      i++
      j++
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      out.push({ kind: 'del', text: x[i], oldNo: i + 1 })
      i++
    } else {
      out.push({ kind: 'add', text: y[j], newNo: j + 1 })
      j++
    }
  }
  for (; i < n; i++) out.push({ kind: 'del', text: x[i], oldNo: i + 1 })
  for (; j < m; j++) out.push({ kind: 'add', text: y[j], newNo: j + 1 })
  return out
}

/** How many lines a diff adds and removes. */
export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0
  let removed = 0
  for (const l of lines) {
    if (l.kind === 'add') added++
    else if (l.kind === 'del') removed++
  }
  return { added, removed }
}

/** The changed regions of a diff with context lines around them, as unified-diff hunks. */
export function hunks(lines: DiffLine[], context = 3): Hunk[] {
  const changed = lines.map((l, i) => (l.kind === 'same' ? -1 : i)).filter((i) => i >= 0)
  if (changed.length === 0) return []
  const ranges: [number, number][] = []
  for (const i of changed) {
    const lo = Math.max(0, i - context)
    const hi = Math.min(lines.length - 1, i + context)
    const last = ranges[ranges.length - 1]
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi)
    else ranges.push([lo, hi])
  }
  return ranges.map(([lo, hi]) => {
    const part = lines.slice(lo, hi + 1)
    const olds = part.filter((l) => l.kind !== 'add')
    const news = part.filter((l) => l.kind !== 'del')
    // An empty side starts at the line before, as in `diff -u`.
    const oldStart = olds.length ? (olds[0].oldNo as number) : lineBefore(lines, lo, 'oldNo')
    const newStart = news.length ? (news[0].newNo as number) : lineBefore(lines, lo, 'newNo')
    return { header: `@@ -${oldStart},${olds.length} +${newStart},${news.length} @@`, lines: part }
  })
}

function lineBefore(lines: DiffLine[], at: number, side: 'oldNo' | 'newNo'): number {
  for (let i = at - 1; i >= 0; i--) {
    const no = lines[i][side]
    if (no !== undefined) return no
  }
  return 0
}

/** A module as two revisions compare it. */
export interface SourceModule {
  module: string
  source: string
}

export interface ModuleChange {
  module: string
  kind: 'added' | 'removed' | 'changed'
  lines: DiffLine[]
  added: number
  removed: number
}

/** What changes, module by module (in name order), from one set of modules to another. */
export function moduleChanges(from: SourceModule[], to: SourceModule[]): ModuleChange[] {
  const before = new Map(from.map((m) => [m.module, m.source]))
  const after = new Map(to.map((m) => [m.module, m.source]))
  const names = [...new Set([...before.keys(), ...after.keys()])].sort()
  const out: ModuleChange[] = []
  for (const module of names) {
    const a = before.get(module)
    const b = after.get(module)
    if (a === b) continue
    const lines = diffLines(a ?? '', b ?? '')
    const kind = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'
    out.push({ module, kind, lines, ...diffStats(lines) })
  }
  return out
}

/** '+12 −3' */
export function statsText(c: { added: number; removed: number }): string {
  return `+${c.added} −${c.removed}`
}
