import { defineStore } from 'pinia'
import { api } from '../api'
import { APP_TITLE } from '../router/access'

export interface Department {
  code: string
  name: string
  allowed_cidrs?: string[]
  created_at?: string
}

export const DEFAULT_DISTRICT_NAME = '区行政权力运行监察平台'

/** The names of the district's offices (GET /api/v1/settings). */
export interface OfficeNames {
  egov: string
  legal: string
  oversight: string
  supervision: string
}

/** GET /api/v1/settings: the names documents, bulletins and the console use. */
export interface DistrictSettings {
  district_name: string
  offices: OfficeNames
  updated_by?: string
  updated_at?: string
}

/** Whether the server has GET /api/v1/settings (DESIGN.md "Parameters and settings"). */
export const SETTINGS_ENDPOINT = true

/**
 * A browser tab's title with the district's name before the platform's:
 * "工作台 - 行政权力运行监察平台" → "工作台 - 仁和区行政权力运行监察平台".
 * Titles of other sites, and the placeholder name, are left as they are.
 */
export function districtTitle(title: string, district: string): string {
  if (!district || district === DEFAULT_DISTRICT_NAME || district.endsWith(APP_TITLE) || !title.endsWith(APP_TITLE)) return title
  if (title.endsWith(district + APP_TITLE)) return title
  return title.slice(0, title.length - APP_TITLE.length) + district + APP_TITLE
}

/**
 * Data most pages show and rarely changes: departments (code → name) and the
 * district's name. Loaded once after sign-in; call refresh() after changing them.
 */
export const useReferenceStore = defineStore('reference', {
  state: () => ({
    departments: [] as Department[],
    districtName: DEFAULT_DISTRICT_NAME,
    offices: null as OfficeNames | null,
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
          SETTINGS_ENDPOINT ? api.get<Partial<DistrictSettings>>('/settings') : Promise.resolve(null),
        ])
        if (deps.status === 'fulfilled') this.departments = deps.value.items ?? []
        if (settings.status === 'fulfilled' && settings.value?.district_name) {
          this.districtName = settings.value.district_name
          this.offices = settings.value.offices ?? null
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
