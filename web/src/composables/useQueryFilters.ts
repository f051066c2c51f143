// A list's filters kept in the address (?status=open&q=…): the form edits a
// copy, a search writes it into the address, and the list reloads whenever
// the address changes (a search, a link, the back button).
import { reactive, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import type { LocationQueryRaw } from 'vue-router'

export interface QueryFiltersOptions<F> {
  /** The route's name: an address change while another page shows is not this list's. */
  name: string
  /** Reads the list for the address's filters. */
  load: () => unknown
  /** Filters only district-wide accounts may set (say, the department); dropped for the others. */
  districtOnly?: (keyof F)[]
  districtWide?: () => boolean
}

/** The non-empty filters, trimmed, as an address query. */
export function cleanQuery(f: Record<string, string>): LocationQueryRaw {
  const q: LocationQueryRaw = {}
  for (const [k, v] of Object.entries(f)) if (v && v.trim()) q[k] = v.trim()
  return q
}

export function useQueryFilters<F extends Record<string, string>>(blank: () => F, options: QueryFiltersOptions<F>) {
  const route = useRoute()
  const router = useRouter()

  /** The filters the address holds (the ones the list shows). */
  function fromQuery(): F {
    const f = blank()
    for (const k of Object.keys(f) as (keyof F)[]) {
      const v = route.query[k as string]
      f[k] = (typeof v === 'string' ? v : '') as F[keyof F]
    }
    if (options.districtWide && !options.districtWide()) for (const k of options.districtOnly ?? []) f[k] = '' as F[keyof F]
    return f
  }

  const filters = reactive(fromQuery()) as F

  /** Shows the form's filters: the same ones again read the list again. */
  function search() {
    const q = cleanQuery(filters)
    if (JSON.stringify(q) === JSON.stringify(cleanQuery(fromQuery()))) void options.load()
    else void router.replace({ path: route.path, query: q })
  }

  function reset() {
    Object.assign(filters, blank())
    search()
  }

  watch(
    () => route.query,
    () => {
      if (route.name !== options.name) return
      Object.assign(filters, fromQuery())
      void options.load()
    },
  )

  return { filters, fromQuery, search, reset }
}
