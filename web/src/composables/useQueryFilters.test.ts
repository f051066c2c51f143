import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { defineComponent, h } from 'vue'
import { cleanQuery, useQueryFilters } from './useQueryFilters'

type Filters = { status: string; department: string; q: string }
const blank = (): Filters => ({ status: '', department: '', q: '' })

async function open(query: Record<string, string>, districtWide = true) {
  const load = vi.fn()
  let state!: ReturnType<typeof useQueryFilters<Filters>>
  const List = defineComponent({
    setup() {
      state = useQueryFilters<Filters>(blank, { name: 'list', load, districtOnly: ['department'], districtWide: () => districtWide })
      return () => h('div')
    },
  })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/list', name: 'list', component: List },
      { path: '/other', name: 'other', component: { render: () => h('div') } },
    ],
  })
  await router.push({ path: '/list', query })
  mount(RouterView, { global: { plugins: [router] } })
  await flushPromises()
  return { state, router, load }
}

describe('useQueryFilters', () => {
  it('starts from the address, dropping what only district-wide accounts may filter by', async () => {
    expect((await open({ status: 'open', department: 'ZJJ', extra: 'x' })).state.filters).toEqual({ status: 'open', department: 'ZJJ', q: '' })
    expect((await open({ status: 'open', department: 'ZJJ' }, false)).state.fromQuery()).toEqual({ status: 'open', department: '', q: '' })
  })

  it('writes a search into the address, and reads the list when the address changes', async () => {
    const { state, router, load } = await open({})
    state.filters.q = '  ZJJ-2026 '
    state.filters.status = 'closed'
    state.search()
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ status: 'closed', q: 'ZJJ-2026' })
    expect(load).toHaveBeenCalledTimes(1)
    await router.push({ path: '/list', query: { status: 'open' } }) // back, or a link
    await flushPromises()
    expect(state.filters).toEqual({ status: 'open', department: '', q: '' })
    expect(load).toHaveBeenCalledTimes(2)
  })

  it('reads the list again when the same search is made twice', async () => {
    const { state, router, load } = await open({ status: 'open' })
    state.search()
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ status: 'open' })
    expect(load).toHaveBeenCalledTimes(1)
  })

  it('resets to no filters, and ignores address changes of other pages', async () => {
    const { state, router, load } = await open({ status: 'open', q: 'x' })
    state.reset()
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({})
    expect(state.filters).toEqual(blank())
    load.mockClear()
    await router.push({ path: '/other', query: { status: 'x' } })
    await flushPromises()
    expect(load).not.toHaveBeenCalled()
  })

  it('keeps only the filled filters, trimmed, in the address', () => {
    expect(cleanQuery({ a: ' 1 ', b: '', c: '  ' })).toEqual({ a: '1' })
  })
})
