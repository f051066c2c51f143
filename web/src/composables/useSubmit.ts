// The submit of a form or dialog: one request at a time, the API's 422
// details placed at their fields, and its message shown above the form.
import { ref } from 'vue'
import type { Ref } from 'vue'
import { errorMessage, fieldErrors } from '@/api'

export interface SubmitOptions {
  /** Maps the API's field errors onto the form's items (say, collapsing "allowed_cidrs[1]"). */
  placeErrors?: (errors: Record<string, string>) => Record<string, string>
}

export interface Submit {
  /** True while the action runs. */
  busy: Ref<boolean>
  /** The last failure's message; '' after a success or clear(). */
  failure: Ref<string>
  /** The last failure's messages by field. */
  errors: Ref<Record<string, string>>
  /** Forgets the last failure (a form opened afresh). */
  clear: () => void
  /**
   * Runs action unless one is running: true when it succeeded, false when it
   * failed (its messages are kept in failure and errors) or was not run.
   */
  run: (action: () => Promise<unknown>) => Promise<boolean>
}

export function useSubmit(options: SubmitOptions = {}): Submit {
  const busy = ref(false)
  const failure = ref('')
  const errors = ref<Record<string, string>>({})

  function clear() {
    failure.value = ''
    errors.value = {}
  }

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    if (busy.value) return false
    clear()
    busy.value = true
    try {
      await action()
      return true
    } catch (e) {
      const byField = fieldErrors(e)
      errors.value = options.placeErrors ? options.placeErrors(byField) : byField
      failure.value = errorMessage(e)
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, failure, errors, clear, run }
}
