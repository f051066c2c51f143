// A department's month, as the patrol ledger and the monthly report show it:
// both kept in the address (so a reload or a link keeps them); district-wide
// accounts choose the department, department accounts see their own.
import { computed, ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { currentMonth } from '@/format'
import { queryString } from '@/router/access'
import { useReferenceStore } from '@/stores/reference'
import { useSessionStore } from '@/stores/session'
import { isMonth } from '@/views/patrols/ledger'

/** fallback: the month shown when the address names none (or one after this month). */
export function useDepartmentMonth(fallback: (thisMonth: string) => string) {
  const session = useSessionStore()
  const reference = useReferenceStore()
  const route = useRoute()
  const router = useRouter()

  const role = computed(() => session.account?.role)
  const districtWide = computed(() => session.districtWide)
  const thisMonth = currentMonth()
  const asked = queryString(route.query.month)
  const month = ref(isMonth(asked) && asked <= thisMonth ? asked : fallback(thisMonth))
  const department = ref('')
  const departmentName = computed(() => reference.departmentName(department.value))
  /** A district-wide account in a district without departments has nothing to choose. */
  const noDepartments = computed(() => districtWide.value && reference.loaded && reference.departments.length === 0)

  /** Writes the month and department into the address when they changed. */
  function syncQuery() {
    const query: Record<string, string> = { ...route.query } as Record<string, string>
    query.month = month.value
    if (districtWide.value && department.value) query.department = department.value
    else delete query.department
    if (query.month !== route.query.month || query.department !== route.query.department) {
      void router.replace({ query })
    }
  }

  /** The first department: the account's own, else the address's when it is known, else the first. */
  async function chooseDepartment() {
    if (!districtWide.value) {
      department.value = session.account?.department_code ?? ''
      void reference.load()
      return
    }
    await reference.load().catch(() => undefined)
    const wanted = queryString(route.query.department)
    const known = reference.departments.map((d) => d.code)
    department.value = known.includes(wanted) ? wanted : (known[0] ?? '')
  }

  return { role, districtWide, thisMonth, month, department, departmentName, noDepartments, syncQuery, chooseDepartment }
}
