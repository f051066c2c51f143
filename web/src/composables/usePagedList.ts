// Cursor-paged lists as the pages show them: either one growing list with
// "加载更多" (usePagedList) or one page at a time with 上一页/下一页
// (useCursorPager, built on the first). Both drop the answer of a request that
// a newer one has overtaken, so a slow first page never overwrites a later search.
import { computed, ref } from 'vue'
import type { Ref } from 'vue'
import { errorMessage } from '@/api'
import type { Page } from '@/api'

/** Reads one page; cursor undefined is the first. */
export type PageReader<T> = (cursor: string | undefined) => Promise<Page<T>>

export interface PagedListOptions<T> {
  /** Keep the rows already shown when a reload fails (the default empties the list). */
  keepOnError?: boolean
  /** Runs after each page that replaced the list, with a check that it still is the one on show. */
  onPage?: (items: T[], current: () => boolean) => void
}

export interface PagedList<T> {
  items: Ref<T[]>
  /** The cursor of the page after the last one read; null at the end. */
  next: Ref<string | null>
  loading: Ref<boolean>
  loadingMore: Ref<boolean>
  /** The last failure, in Chinese; '' when the last read succeeded. */
  error: Ref<string>
  /** Reads the first page again, replacing the list. */
  reload: () => Promise<void>
  /** Appends the next page, if there is one and none is being read. */
  loadMore: () => Promise<void>
}

/** A list that grows page by page ("加载更多"). */
export function usePagedList<T>(read: PageReader<T>, options: PagedListOptions<T> = {}): PagedList<T> {
  const { readAt, ...list } = pagedList(read, options)
  return { ...list, reload: () => readAt(undefined) }
}

/** The paged list, with readAt: the page at a cursor replaces the list. */
function pagedList<T>(read: PageReader<T>, options: PagedListOptions<T>) {
  const items = ref<T[]>([]) as Ref<T[]>
  const next = ref<string | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref('')
  let seq = 0

  async function readAt(cursor: string | undefined) {
    const mine = ++seq
    loading.value = true
    loadingMore.value = false
    error.value = ''
    try {
      const page = await read(cursor)
      if (mine !== seq) return
      items.value = page.items ?? []
      next.value = page.next_cursor || null
      options.onPage?.(items.value, () => mine === seq)
    } catch (e) {
      if (mine !== seq) return
      if (!options.keepOnError) {
        items.value = []
        next.value = null
      }
      error.value = errorMessage(e)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  async function loadMore() {
    const cursor = next.value
    if (!cursor || loadingMore.value || loading.value) return
    const mine = seq
    loadingMore.value = true
    error.value = ''
    try {
      const page = await read(cursor)
      if (mine !== seq) return
      items.value = items.value.concat(page.items ?? [])
      next.value = page.next_cursor || null
    } catch (e) {
      if (mine !== seq) return
      error.value = errorMessage(e)
    } finally {
      if (mine === seq) loadingMore.value = false
    }
  }

  return { items, next, loading, loadingMore, error, readAt, loadMore }
}

export interface CursorPager<T> extends Pick<PagedList<T>, 'items' | 'next' | 'loading'> {
  /** The last failure, in Chinese. */
  failure: Ref<string>
  /** 0 for the first page. */
  pageIndex: Ref<number>
  /** Reads the first page (a new search). */
  first: () => Promise<void>
  /** Reads the page on show again. */
  reload: () => Promise<void>
  nextPage: () => Promise<void>
  prevPage: () => Promise<void>
}

/**
 * One page at a time. onPage runs after each page is shown, with a check that
 * tells whether that page is still the one on show (for reads that follow it).
 */
export function useCursorPager<T>(
  read: (cursor: string | null) => Promise<Page<T>>,
  onPage?: (items: T[], current: () => boolean) => void,
): CursorPager<T> {
  const list = pagedList<T>((cursor) => read(cursor ?? null), { onPage })
  /** cursors[i] read page i (null: the first page). */
  const cursors = ref<(string | null)[]>([null])
  const pageIndex = computed(() => cursors.value.length - 1)
  /** Shows the last page of stack, the cursors of the pages up to it. */
  const show = (stack: (string | null)[]) => {
    cursors.value = stack
    return list.readAt(stack[stack.length - 1] ?? undefined)
  }

  return {
    items: list.items,
    next: list.next,
    loading: list.loading,
    failure: list.error,
    pageIndex,
    first: () => show([null]),
    reload: () => show(cursors.value),
    nextPage: async () => {
      if (list.next.value) await show([...cursors.value, list.next.value])
    },
    prevPage: async () => {
      if (cursors.value.length > 1) await show(cursors.value.slice(0, -1))
    },
  }
}
