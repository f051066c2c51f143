// Just enough of a .xlsx reader for the tests, with node's zlib only: the
// zip's central directory, the first worksheet and its strings (shared,
// inline or formula strings), as rows of cell texts.
import zlib from 'node:zlib'

/** The files of a zip archive by name (stored or deflated entries). */
export function unzip(buf: Buffer): Map<string, Buffer> {
  // End of central directory: signature 0x06054b50, at most 64 KiB of comment after it.
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory')
  const entries = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const files = new Map<string, Buffer>()
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('zip: bad central directory entry')
    const method = buf.readUInt16LE(p + 10)
    const compressed = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8')
    p += 46 + nameLen + extraLen + commentLen
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`zip: bad local header of ${name}`)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const data = buf.subarray(start, start + compressed)
    if (method === 0) files.set(name, Buffer.from(data))
    else if (method === 8) files.set(name, zlib.inflateRawSync(data))
    else throw new Error(`zip: ${name} uses compression method ${method}`)
  }
  return files
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_m, e: string) => {
    switch (e) {
      case 'lt':
        return '<'
      case 'gt':
        return '>'
      case 'amp':
        return '&'
      case 'quot':
        return '"'
      case 'apos':
        return "'"
    }
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
  })
}

/** The text of the <t> elements in an <si> or <is> (rich text runs joined). */
function texts(xml: string): string {
  let out = ''
  for (const m of xml.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)) out += unescapeXml(m[1])
  return out
}

/** The column index (0-based) of a cell reference such as "C12". */
function column(ref: string): number {
  const letters = /^[A-Z]+/.exec(ref)?.[0] ?? 'A'
  let n = 0
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64)
  return n - 1
}

/** The worksheet named sheetName (or the first one) as rows of cell texts. */
export function readXlsx(buf: Buffer, sheetName?: string): { sheet: string; rows: string[][] } {
  const files = unzip(buf)
  const shared: string[] = []
  const sst = files.get('xl/sharedStrings.xml')?.toString('utf8')
  if (sst) for (const m of sst.matchAll(/<si>([\s\S]*?)<\/si>/g)) shared.push(texts(m[1]))

  const workbook = files.get('xl/workbook.xml')?.toString('utf8') ?? ''
  const rels = files.get('xl/_rels/workbook.xml.rels')?.toString('utf8') ?? ''
  const sheets = [...workbook.matchAll(/<sheet\b[^>]*>/g)].map((m) => ({
    name: unescapeXml(/\bname="([^"]*)"/.exec(m[0])?.[1] ?? ''),
    rid: /\br:id="([^"]*)"/.exec(m[0])?.[1] ?? '',
  }))
  const chosen = sheetName ? sheets.find((s) => s.name === sheetName) : sheets[0]
  if (!chosen) throw new Error(`xlsx: no sheet ${sheetName ?? ''}`)
  const rel = [...rels.matchAll(/<Relationship\b[^>]*>/g)].map((m) => m[0]).find((r) => r.includes(`Id="${chosen.rid}"`))
  let target = /\bTarget="([^"]*)"/.exec(rel ?? '')?.[1] ?? 'worksheets/sheet1.xml'
  target = target.startsWith('/') ? target.slice(1) : `xl/${target}`
  const sheet = files.get(target)?.toString('utf8')
  if (!sheet) throw new Error(`xlsx: missing ${target}`)

  const rows: string[][] = []
  for (const r of sheet.matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const row: string[] = []
    for (const c of r[1].matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1]
      const body = c[2] ?? ''
      const ref = /\br="([A-Z]+\d+)"/.exec(attrs)?.[1]
      const type = /\bt="([^"]*)"/.exec(attrs)?.[1] ?? 'n'
      const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1]
      let text = ''
      if (type === 's') text = shared[Number(v)] ?? ''
      else if (type === 'inlineStr') text = texts(body)
      else text = v != null ? unescapeXml(v) : ''
      const i = ref ? column(ref) : row.length
      while (row.length < i) row.push('')
      row[i] = text
    }
    rows.push(row)
  }
  return { sheet: chosen.name, rows }
}
