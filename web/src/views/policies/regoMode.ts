// Rego (v1 syntax) for CodeMirror 6: a stream tokenizer of keywords,
// strings, raw strings (which may span lines), numbers, comments and
// operators. Highlighting only: the server compiles and reports errors.
import { StreamLanguage, StringStream } from '@codemirror/language'
import type { StreamParser } from '@codemirror/language'

export const REGO_KEYWORDS = [
  'package',
  'import',
  'default',
  'not',
  'some',
  'every',
  'in',
  'if',
  'contains',
  'else',
  'with',
  'as',
] as const

const keywords = new Set<string>(REGO_KEYWORDS)
const atoms = new Set(['true', 'false', 'null'])
const roots = new Set(['input', 'data'])

export interface RegoState {
  /** Inside a raw string (`…`) that began on an earlier line. */
  inRaw: boolean
}

/** Token names are CodeMirror's legacy stream names, mapped to highlight tags. */
export type RegoToken =
  | 'keyword'
  | 'atom'
  | 'number'
  | 'string'
  | 'string-2'
  | 'comment'
  | 'operator'
  | 'bracket'
  | 'punctuation'
  | 'variableName'
  | 'variableName.special'
  | null

function rawString(stream: StringStream, state: RegoState): RegoToken {
  while (!stream.eol()) {
    if (stream.next() === '`') {
      state.inRaw = false
      return 'string-2'
    }
  }
  state.inRaw = true
  return 'string-2'
}

export const regoParser: StreamParser<RegoState> = {
  name: 'rego',
  startState: () => ({ inRaw: false }),
  copyState: (s) => ({ ...s }),
  token(stream, state): RegoToken {
    if (state.inRaw) return rawString(stream, state)
    if (stream.eatSpace()) return null
    const ch = stream.peek() as string
    if (ch === '#') {
      stream.skipToEnd()
      return 'comment'
    }
    if (ch === '`') {
      stream.next()
      return rawString(stream, state)
    }
    if (ch === '"') {
      stream.next()
      let escaped = false
      while (!stream.eol()) {
        const c = stream.next()
        if (c === '"' && !escaped) return 'string'
        escaped = !escaped && c === '\\'
      }
      return 'string' // unterminated: the compiler says so
    }
    if (stream.match(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/)) return 'number'
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current()
      if (keywords.has(word)) return 'keyword'
      if (atoms.has(word)) return 'atom'
      if (roots.has(word)) return 'variableName.special'
      return 'variableName'
    }
    if (stream.match(/^(:=|==|!=|<=|>=|[=<>+\-*/%|&])/)) return 'operator'
    if (/[()[\]{}]/.test(ch)) {
      stream.next()
      return 'bracket'
    }
    stream.next()
    return /[.,;:]/.test(ch) ? 'punctuation' : null
  },
  languageData: {
    commentTokens: { line: '#' },
    closeBrackets: { brackets: ['(', '[', '{', '"', '`'] },
  },
}

/** The Rego language for an editor. */
export const rego = StreamLanguage.define(regoParser)

/** One token of a source, for tests and tools: its text and type (null: none). */
export interface Token {
  text: string
  type: RegoToken
  line: number
}

/** Runs the tokenizer over source the way the editor does, line by line, dropping whitespace. */
export function tokenize(source: string): Token[] {
  const state = regoParser.startState!(4)
  const out: Token[] = []
  source.split('\n').forEach((text, i) => {
    const stream = new StringStream(text, 4, 4)
    if (text === '') return
    while (!stream.eol()) {
      const type = regoParser.token(stream, state) as RegoToken
      const piece = stream.current()
      if (piece.trim() !== '') out.push({ text: piece, type, line: i + 1 })
      stream.start = stream.pos
    }
  })
  return out
}
