// Guards unsaved changes: leaving the page (a route change) asks first, and
// closing or reloading the tab lets the browser ask.
import { onBeforeUnmount, onMounted } from 'vue'
import { onBeforeRouteLeave } from 'vue-router'
import { ElMessageBox } from 'element-plus'

/**
 * dirty tells whether there is anything to lose; question is what to ask.
 * confirmDiscard answers true when there is nothing to lose or the person
 * gives it up; other code (say, switching the year) asks the same way.
 */
export function useUnsavedGuard(dirty: () => boolean, question: () => string) {
  // One question at a time: a second navigation while it is open gets the same answer.
  let asking: Promise<boolean> | null = null
  function confirmDiscard(): Promise<boolean> {
    if (!dirty()) return Promise.resolve(true)
    asking ??= ElMessageBox.confirm(question(), '未保存的更改', {
      type: 'warning',
      confirmButtonText: '放弃更改',
      cancelButtonText: '继续编辑',
    })
      .then(() => true)
      .catch(() => false)
      .finally(() => (asking = null))
    return asking
  }

  function beforeUnload(e: BeforeUnloadEvent) {
    if (dirty()) e.preventDefault()
  }
  onMounted(() => window.addEventListener('beforeunload', beforeUnload))
  onBeforeUnmount(() => window.removeEventListener('beforeunload', beforeUnload))
  onBeforeRouteLeave(() => confirmDiscard())

  return { confirmDiscard }
}
