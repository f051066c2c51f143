// One ECharts chart in an element: ECharts arrives through the page's own
// dynamic import (so that it is fetched only with the page), the chart is drawn
// again when its option changes, follows the element's size, and is disposed
// with the component. A failed import leaves `failed` set: the page's tables
// carry the same figures.
import { nextTick, onBeforeUnmount, onMounted, ref, shallowRef, watch } from 'vue'
import type { Ref } from 'vue'

/** The part of an ECharts instance the console uses. */
export interface EChart {
  setOption: (o: object, notMerge?: boolean) => void
  resize: () => void
  dispose: () => void
  on: (event: string, f: (p: any) => void) => void
}

/** What a page's ECharts module (a dynamic import) gives. */
export interface EChartsModule {
  init: (el: HTMLElement, theme?: string | object, opts?: { renderer?: 'canvas' | 'svg' }) => unknown
}

export function useEChart(
  el: Ref<HTMLElement | undefined>,
  load: () => Promise<EChartsModule>,
  option: () => object,
  /** Runs once on the new chart (say, to pass clicks on). */
  setup?: (chart: EChart) => void,
) {
  const failed = ref(false)
  const chart = shallowRef<EChart | null>(null)
  let observer: ResizeObserver | null = null
  let disposed = false

  async function draw() {
    if (!el.value) return
    if (!chart.value) {
      try {
        const { init } = await load()
        if (disposed || !el.value) return
        chart.value = init(el.value, undefined, { renderer: 'canvas' }) as EChart
        setup?.(chart.value)
      } catch {
        failed.value = true
        return
      }
      observer = new ResizeObserver(() => chart.value?.resize())
      observer.observe(el.value)
    }
    await nextTick()
    const c = chart.value
    if (!c) return // unmounted meanwhile
    c.resize()
    c.setOption(option(), true)
  }

  onMounted(() => void draw())
  watch(option, () => void draw())
  onBeforeUnmount(() => {
    disposed = true
    observer?.disconnect()
    chart.value?.dispose()
    chart.value = null
  })

  return { failed, chart }
}
