// The 422 of a saved draft lists each problem with its module, line and
// column, in Chinese and English; the editor marks those of the module
// being edited at their place, and the list beside shows them all.
import { ApiError } from '../../api'

export interface Problem {
  module: string
  line: number
  column: number
  code: string
  /** English, from the compiler. */
  message: string
  /** Chinese, for the legal affairs office. */
  message_zh: string
}

/** A CodeMirror lint diagnostic, without importing CodeMirror here. */
export interface Diagnostic {
  from: number
  to: number
  severity: 'error'
  message: string
  source: string
}

/** The located problems of a refused draft (details of a 422), or [] for any other error. */
export function problemsOf(e: unknown): Problem[] {
  if (!(e instanceof ApiError) || e.status !== 422 || !Array.isArray(e.details)) return []
  return e.details
    .filter((d: any) => d && typeof d === 'object' && typeof d.line === 'number')
    .map((d: any) => ({
      module: String(d.module ?? ''),
      line: d.line,
      column: typeof d.column === 'number' ? d.column : 0,
      code: String(d.code ?? ''),
      message: String(d.message ?? ''),
      message_zh: String(d.message_zh ?? d.message ?? ''),
    }))
}

/** Where '第 3 行 第 5 列' is. */
export function placeText(p: Pick<Problem, 'line' | 'column'>): string {
  if (p.line <= 0) return '位置未知'
  return p.column > 0 ? `第 ${p.line} 行 第 ${p.column} 列` : `第 ${p.line} 行`
}

/**
 * The diagnostics of module's problems in text: each from its line and
 * column to the end of the word there (or one character, or the line's
 * end). A line past the end marks the last line; a problem without a line
 * marks the first.
 */
export function toDiagnostics(problems: Problem[], module: string, text: string): Diagnostic[] {
  const starts = [0]
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1)
  const lineEnd = (n: number) => (n + 1 < starts.length ? starts[n + 1] - 1 : text.length)
  return problems
    .filter((p) => p.module === module)
    .map((p) => {
      const n = Math.min(Math.max(p.line, 1), starts.length) - 1
      const end = lineEnd(n)
      const from = Math.min(starts[n] + Math.max(p.column - 1, 0), end)
      let to = from
      while (to < end && /[\p{L}\p{N}_]/u.test(text[to])) to++
      if (to === from) to = Math.min(from + 1, end)
      if (to === from && from === end && from > starts[n]) return diag(p, from - 1, end)
      return diag(p, from, to)
    })
}

function diag(p: Problem, from: number, to: number): Diagnostic {
  return { from, to, severity: 'error', message: `${p.message_zh}\n${p.message}`, source: p.code || 'policy' }
}
