// A list whose filters live in the address: it is read when the page opens
// and again whenever the address's query changes while the page shows (a
// search, a link, the back button).
import { onMounted, watch } from 'vue'
import { useRoute } from 'vue-router'

/** Calls fromRoute on mount and on every query change while path is shown. */
export function useFollowQuery(path: string, fromRoute: () => void) {
  const route = useRoute()
  watch(
    () => route.query,
    () => {
      if (route.path === path) fromRoute()
    },
  )
  onMounted(fromRoute)
}
