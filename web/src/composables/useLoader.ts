// One thing a page reads (a list, a summary): loading while it is read, the
// failure in Chinese, and only the newest read's answer kept.
import { ref } from 'vue'
import type { Ref } from 'vue'
import { errorMessage } from '@/api'

export interface LoaderOptions {
  /** Go back to the initial value when a read fails (the default keeps what was shown). */
  resetOnError?: boolean
}

export interface Loader<T> {
  data: Ref<T>
  loading: Ref<boolean>
  /** The last failure; '' after a read that succeeded. */
  error: Ref<string>
  /** Reads again; true when this read's answer is the one shown. */
  load: () => Promise<boolean>
}

export function useLoader<T>(read: () => Promise<T>, initial: T, options: LoaderOptions = {}): Loader<T> {
  const data = ref(initial) as Ref<T>
  const loading = ref(false)
  const error = ref('')
  let seq = 0

  async function load(): Promise<boolean> {
    const mine = ++seq
    loading.value = true
    error.value = ''
    try {
      const v = await read()
      if (mine !== seq) return false
      data.value = v
      return true
    } catch (e) {
      if (mine !== seq) return false
      if (options.resetOnError) data.value = initial
      error.value = errorMessage(e)
      return false
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  return { data, loading, error, load }
}
