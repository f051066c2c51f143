import { defineStore } from 'pinia'
import { api, ApiError } from '../api'

export interface Department {
  code: string
  name: string
  allowed_cidrs?: string[]
  created_at?: string
}

export const DEFAULT_DISTRICT_NAME = '区行政权力运行监察平台'

/**
 * Whether the server has GET /api/v1/settings (DESIGN.md "Parameters and
 * settings"). Until it has, asking would answer 404 on every page load, which
 * the browser logs as a console error; turn this on when the endpoint lands.
 */
export const SETTINGS_ENDPOINT = false

/**
 * Data most pages show and rarely changes: departments (code → name) and the
 * district's name. Loaded once after sign-in; call refresh() after changing them.
 */
export const useReferenceStore = defineStore('reference', {
  state: () => ({
    departments: [] as Department[],
    districtName: DEFAULT_DISTRICT_NAME,
    loaded: false,
    loading: null as Promise<void> | null,
  }),
  getters: {
    /** The department's name, or its code when unknown; '—' for none. */
    departmentName: (s) => (code: string | null | undefined): string => {
      if (!code) return '—'
      return s.departments.find((d) => d.code === code)?.name ?? code
    },
    /** [{value: code, label: name}] for an el-select. */
    departmentOptions: (s) => s.departments.map((d) => ({ value: d.code, label: d.name })),
  },
  actions: {
    async load(force = false): Promise<void> {
      if ((this.loaded && !force) || this.loading) return this.loading ?? undefined
      this.loading = (async () => {
        const [deps, settings] = await Promise.allSettled([
          api.get<{ items: Department[] }>('/departments'),
          SETTINGS_ENDPOINT ? api.get<{ district_name?: string }>('/settings') : Promise.reject(new ApiError(404, 'no_route', '')),
        ])
        if (deps.status === 'fulfilled') this.departments = deps.value.items ?? []
        if (settings.status === 'fulfilled' && settings.value?.district_name) {
          this.districtName = settings.value.district_name
        }
        this.loaded = true
      })()
      try {
        await this.loading
      } finally {
        this.loading = null
      }
    },
    refresh(): Promise<void> {
      return this.load(true)
    },
  },
})
