import { ref } from 'vue'
import { api } from '../../api'
import type { RuleInfo } from './model'
import { ruleTitles } from './model'

// The active rules (GET /api/v1/rules), read once per page load: the rule
// filter's options and the titles shown beside rule ids.
const rules = ref<RuleInfo[]>([])
const titles = ref(new Map<string, string>())
let loading: Promise<void> | null = null

export function useRules() {
  if (!loading) {
    loading = api
      .get<{ items: RuleInfo[] }>('/rules')
      .then((r) => {
        rules.value = r.items ?? []
        titles.value = ruleTitles(rules.value)
      })
      .catch(() => {
        loading = null // the filter still takes a typed rule id
      })
  }
  return {
    rules,
    /** The rule's title ('' when unknown). */
    ruleTitle: (id: string) => titles.value.get(id) ?? '',
  }
}
