import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { defineComponent, h, ref } from 'vue'
import { ElMessageBox } from 'element-plus'
import { useUnsavedGuard } from './useUnsavedGuard'

afterEach(() => vi.restoreAllMocks())

const dirty = ref(false)
let guard!: ReturnType<typeof useUnsavedGuard>
const Editor = defineComponent({
  setup() {
    guard = useUnsavedGuard(
      () => dirty.value,
      () => '有未保存的更改，放弃吗？',
    )
    return () => h('div', 'editor')
  },
})

async function openEditor() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/edit', component: Editor },
      { path: '/other', component: { render: () => h('div', 'other') } },
    ],
  })
  await router.push('/edit')
  const w = mount(RouterView, { global: { plugins: [router] } })
  await flushPromises()
  return { router, w }
}

describe('useUnsavedGuard', () => {
  it('lets a clean page go without asking', async () => {
    dirty.value = false
    const confirm = vi.spyOn(ElMessageBox, 'confirm')
    const { router, w } = await openEditor()
    await router.push('/other')
    expect(router.currentRoute.value.path).toBe('/other')
    expect(confirm).not.toHaveBeenCalled()
    w.unmount()
  })

  it('keeps the page when the person goes on editing, and leaves when they give the changes up', async () => {
    dirty.value = true
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockRejectedValueOnce('cancel')
    const { router, w } = await openEditor()
    await router.push('/other')
    expect(router.currentRoute.value.path).toBe('/edit')
    expect(confirm).toHaveBeenCalledWith('有未保存的更改，放弃吗？', '未保存的更改', expect.objectContaining({ confirmButtonText: '放弃更改' }))
    confirm.mockResolvedValueOnce('confirm' as never)
    await router.push('/other')
    expect(router.currentRoute.value.path).toBe('/other')
    w.unmount()
  })

  it('asks once for two navigations at the same time', async () => {
    dirty.value = true
    let answer!: (v: unknown) => void
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockReturnValue(new Promise((r) => (answer = r)) as never)
    const { w } = await openEditor()
    const first = guard.confirmDiscard()
    const second = guard.confirmDiscard()
    answer('confirm')
    expect(await first).toBe(true)
    expect(await second).toBe(true)
    expect(confirm).toHaveBeenCalledTimes(1)
    w.unmount()
  })

  it('has the browser ask before a dirty page is closed, only while it is shown', async () => {
    const { router, w } = await openEditor()
    dirty.value = true
    const e = new Event('beforeunload', { cancelable: true })
    window.dispatchEvent(e)
    expect(e.defaultPrevented).toBe(true)
    dirty.value = false
    const clean = new Event('beforeunload', { cancelable: true })
    window.dispatchEvent(clean)
    expect(clean.defaultPrevented).toBe(false)
    await router.push('/other')
    dirty.value = true
    const gone = new Event('beforeunload', { cancelable: true })
    window.dispatchEvent(gone)
    expect(gone.defaultPrevented).toBe(false)
    w.unmount()
  })
})
