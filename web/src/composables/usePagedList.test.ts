import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api'
import type { Page } from '@/api'
import { useCursorPager, usePagedList } from './usePagedList'

/** A read whose answers the test gives one by one, in any order. */
function pending<T>() {
  const asked: (string | null | undefined)[] = []
  const answers: { resolve: (p: Page<T>) => void; reject: (e: unknown) => void }[] = []
  const read = (cursor: string | null | undefined) =>
    new Promise<Page<T>>((resolve, reject) => {
      asked.push(cursor)
      answers.push({ resolve, reject })
    })
  return { read, asked, answers }
}

type PendingRead = ReturnType<typeof pending<string>>['read']

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('usePagedList', () => {
  it('reads the first page, then appends the next ones until the end', async () => {
    const pages: Record<string, Page<number>> = {
      first: { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3], next_cursor: 'c3' },
      c3: { items: [4], next_cursor: null },
    }
    const asked: (string | undefined)[] = []
    const list = usePagedList<number>(async (cursor) => {
      asked.push(cursor)
      return pages[cursor ?? 'first']
    })
    await list.reload()
    expect(list.items.value).toEqual([1, 2])
    expect(list.next.value).toBe('c2')
    await list.loadMore()
    await list.loadMore()
    expect(list.items.value).toEqual([1, 2, 3, 4])
    expect(list.next.value).toBeNull()
    await list.loadMore() // nothing more to read
    expect(asked).toEqual([undefined, 'c2', 'c3'])
    expect(list.loading.value).toBe(false)
    expect(list.loadingMore.value).toBe(false)
  })

  it('empties the list on a failed reload, or keeps it when asked to', async () => {
    let fail = false
    const read = async () => {
      if (fail) throw new ApiError(503, 'unavailable', '服务器暂时无法访问')
      return { items: ['a'], next_cursor: 'n' }
    }
    const emptied = usePagedList<string>(read)
    const kept = usePagedList<string>(read, { keepOnError: true })
    await emptied.reload()
    await kept.reload()
    fail = true
    await emptied.reload()
    await kept.reload()
    expect(emptied.items.value).toEqual([])
    expect(emptied.next.value).toBeNull()
    expect(emptied.error.value).toBe('服务器暂时无法访问')
    expect(kept.items.value).toEqual(['a'])
    expect(kept.next.value).toBe('n')
    expect(kept.error.value).toBe('服务器暂时无法访问')
  })

  it('keeps the rows read when a further page fails, and says why', async () => {
    const list = usePagedList<number>(async (cursor) => {
      if (cursor) throw new ApiError(429, 'too_many', '请求过多')
      return { items: [1], next_cursor: 'c2' }
    })
    await list.reload()
    await list.loadMore()
    expect(list.items.value).toEqual([1])
    expect(list.next.value).toBe('c2')
    expect(list.error.value).toBe('请求过多')
  })

  it('drops a further page that arrives after a new search', async () => {
    const p = pending<string>()
    const list = usePagedList<string>(p.read)
    const r1 = list.reload()
    p.answers[0].resolve({ items: ['a'], next_cursor: 'c2' })
    await r1
    const more = list.loadMore()
    expect(list.loadingMore.value).toBe(true)
    const r2 = list.reload()
    p.answers[2].resolve({ items: ['b'], next_cursor: null })
    await r2
    p.answers[1].resolve({ items: ['stale'], next_cursor: 'c3' })
    await more
    expect(list.items.value).toEqual(['b'])
    expect(list.loadingMore.value).toBe(false)
  })
})

describe('useCursorPager', () => {
  const pages: Record<string, Page<string>> = {
    first: { items: ['a', 'b'], next_cursor: 'p2' },
    p2: { items: ['c', 'd'], next_cursor: 'p3' },
    p3: { items: ['e'], next_cursor: null },
  }

  it("goes forward and back page by page, remembering each page's cursor", async () => {
    const asked: (string | null)[] = []
    const pager = useCursorPager<string>(async (cursor) => {
      asked.push(cursor)
      return pages[cursor ?? 'first']
    })
    await pager.first()
    expect(pager.items.value).toEqual(['a', 'b'])
    expect(pager.pageIndex.value).toBe(0)
    await pager.nextPage()
    await pager.nextPage()
    expect(pager.items.value).toEqual(['e'])
    expect(pager.pageIndex.value).toBe(2)
    await pager.nextPage() // the last page has no next
    expect(pager.pageIndex.value).toBe(2)
    await pager.prevPage()
    expect(pager.items.value).toEqual(['c', 'd'])
    expect(pager.pageIndex.value).toBe(1)
    await pager.reload()
    expect(pager.pageIndex.value).toBe(1)
    await pager.first()
    await pager.prevPage() // nothing before the first page
    expect(pager.pageIndex.value).toBe(0)
    expect(asked).toEqual([null, 'p2', 'p3', 'p2', 'p2', null])
  })

  it('empties the page and says why when a read fails', async () => {
    let fail = false
    const pager = useCursorPager<string>(async (cursor) => {
      if (fail) throw new Error('读取失败')
      return pages[cursor ?? 'first']
    })
    await pager.first()
    fail = true
    await pager.nextPage()
    expect(pager.items.value).toEqual([])
    expect(pager.next.value).toBeNull()
    expect(pager.failure.value).toBe('读取失败')
    expect(pager.loading.value).toBe(false)
  })

  it('tells onPage whether its page is still the one on show', async () => {
    const p = pending<string>()
    const seen: { items: string[]; current: () => boolean }[] = []
    const pager = useCursorPager<string>(p.read, (items, current) => seen.push({ items, current }))
    const one = pager.first()
    p.answers[0].resolve({ items: ['a'], next_cursor: 'p2' })
    await one
    expect(seen).toHaveLength(1)
    expect(seen[0].current()).toBe(true)
    const two = pager.nextPage()
    await tick()
    expect(seen[0].current()).toBe(false) // a newer read has started
    p.answers[1].resolve({ items: ['b'], next_cursor: null })
    await two
    expect(seen.map((s) => s.items)).toEqual([['a'], ['b']])
    expect(seen[1].current()).toBe(true)
  })
})

// Both list composables show only the newest of overlapping reads: a read
// that a newer one overtook is dropped when its answer comes.
describe.each([
  ['usePagedList (reload)', (read: PendingRead) => {
    const list = usePagedList<string>(read)
    return { ...list, start: list.reload }
  }],
  ['useCursorPager (first)', (read: PendingRead) => {
    const pager = useCursorPager<string>(read)
    return { ...pager, start: pager.first }
  }],
])('%s', (_name, make) => {
  it('shows only the newest of overlapping reads', async () => {
    const p = pending<string>()
    const list = make(p.read)
    const first = list.start()
    const second = list.start()
    p.answers[1].resolve({ items: ['new'], next_cursor: null })
    await second
    p.answers[0].resolve({ items: ['old'], next_cursor: 'x' })
    await first
    expect(list.items.value).toEqual(['new'])
    expect(list.next.value).toBeNull()
    expect(list.loading.value).toBe(false)
  })
})
