import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h, ref } from 'vue'
import { useEChart } from './useEChart'
import type { EChart, EChartsModule } from './useEChart'

function fakeChart() {
  const handlers: Record<string, (p: unknown) => void> = {}
  const chart = {
    setOption: vi.fn(),
    resize: vi.fn(),
    dispose: vi.fn(),
    on: vi.fn((event: string, f: (p: unknown) => void) => (handlers[event] = f)),
  }
  return { chart, handlers }
}

/** A component drawing option() with the given module; answers its state. */
function render(load: () => Promise<EChartsModule>, option: () => object, setup?: (c: EChart) => void) {
  let state!: ReturnType<typeof useEChart>
  const Chart = defineComponent({
    setup() {
      const el = ref<HTMLElement>()
      state = useEChart(el, load, option, setup)
      return () => h('div', { ref: el })
    },
  })
  const w = mount(Chart, { attachTo: document.body })
  return { w, state: () => state }
}

describe('useEChart', () => {
  it('draws the option once ECharts has arrived, and again when it changes', async () => {
    const { chart } = fakeChart()
    const init = vi.fn(() => chart)
    const data = ref([1, 2])
    const setup = vi.fn()
    const { w, state } = render(async () => ({ init }), () => ({ series: [{ data: data.value }] }), setup)
    await flushPromises()
    expect(init).toHaveBeenCalledTimes(1)
    expect(setup).toHaveBeenCalledWith(chart)
    expect(chart.setOption).toHaveBeenLastCalledWith({ series: [{ data: [1, 2] }] }, true)
    data.value = [3]
    await flushPromises()
    expect(init).toHaveBeenCalledTimes(1) // the same chart, drawn again
    expect(chart.setOption).toHaveBeenLastCalledWith({ series: [{ data: [3] }] }, true)
    expect(state().failed.value).toBe(false)
    w.unmount()
    expect(chart.dispose).toHaveBeenCalled()
  })

  it('says so when ECharts cannot be loaded', async () => {
    const { w, state } = render(async () => Promise.reject(new Error('chunk failed')), () => ({}))
    await flushPromises()
    expect(state().failed.value).toBe(true)
    w.unmount()
  })

  it('makes no chart when the component is gone before ECharts arrives', async () => {
    const { chart } = fakeChart()
    const init = vi.fn(() => chart)
    let arrive!: (m: EChartsModule) => void
    const { w } = render(() => new Promise<EChartsModule>((r) => (arrive = r)), () => ({}))
    w.unmount()
    arrive({ init })
    await flushPromises()
    expect(init).not.toHaveBeenCalled()
  })
})
