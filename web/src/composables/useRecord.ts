// A page about one record named by a numeric id in its address (a warning, a
// spot check): read when the page opens and again when the id changes. An id
// that is not a number, or a 404, is "not found" (the page says 不存在); any
// other failure is a message to retry.
import { ref, watch } from 'vue'
import type { Ref } from 'vue'
import { ApiError, errorMessage } from '@/api'

export interface RecordById<T> {
  record: Ref<T | null>
  loading: Ref<boolean>
  /** The last failure other than not found, in Chinese. */
  failure: Ref<string>
  notFound: Ref<boolean>
  load: () => Promise<void>
}

export function useRecordById<T>(id: Ref<string>, read: (id: string) => Promise<T>): RecordById<T> {
  const record = ref(null) as Ref<T | null>
  const loading = ref(false)
  const failure = ref('')
  const notFound = ref(false)

  async function load() {
    if (!/^\d+$/.test(id.value)) {
      notFound.value = true
      record.value = null
      return
    }
    loading.value = true
    failure.value = ''
    notFound.value = false
    try {
      record.value = await read(id.value)
    } catch (e) {
      record.value = null
      if (e instanceof ApiError && e.status === 404) notFound.value = true
      else failure.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  watch(id, () => void load(), { immediate: true })
  return { record, loading, failure, notFound, load }
}
