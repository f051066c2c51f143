import { defineStore } from 'pinia'
import { api, ApiError } from '../api'
import { DEPARTMENT_ROLES } from '../format'
import type { Role } from '../format'

/** The signed-in account, as GET/POST /api/v1/session answer it. */
export interface Account {
  username: string
  real_name: string
  role: Role
  department_code: string
  must_change_password: boolean
  csrf_token: string
}

/** Whether the server's pc_signed_in cookie says a session may exist. */
export function hasSessionHint(): boolean {
  return typeof document !== 'undefined' && /(?:^|;\s*)pc_signed_in=1(?:;|$)/.test(document.cookie)
}

export const useSessionStore = defineStore('session', {
  state: () => ({
    account: null as Account | null,
    /** load() has asked the server at least once. */
    loaded: false,
  }),
  getters: {
    signedIn: (s) => s.account !== null,
    role: (s): Role | null => s.account?.role ?? null,
    /** District-wide roles see (and filter by) every department; the department roles see their own. */
    districtWide: (s): boolean => !!s.account && !DEPARTMENT_ROLES.includes(s.account.role),
  },
  actions: {
    /** Asks the server who is signed in (once, unless force); null when nobody. */
    async load(force = false): Promise<Account | null> {
      if (this.loaded && !force) return this.account
      // The session cookie is HttpOnly; the server sets the readable
      // pc_signed_in beside it. Without it there is no session to ask
      // about, and asking would only log a 401 in the browser's console.
      if (!hasSessionHint()) {
        this.account = null
        this.loaded = true
        return null
      }
      try {
        // 401, or 204/null from a server that answers "nobody" without an error.
        const a = await api.get<Account | null>('/session')
        this.account = a && typeof a === 'object' && a.username ? a : null
      } catch (e) {
        // 401: not signed in. Anything else (server down): not signed in
        // either, the sign-in page will show the error when it is tried.
        if (!(e instanceof ApiError)) throw e
        this.account = null
      }
      this.loaded = true
      return this.account
    },
    /** Signs in; throws ApiError (401 bad_credentials, 429, ...) with the Chinese message. */
    async signIn(username: string, password: string): Promise<Account> {
      const a = await api.post<Account>('/session', { username, password })
      this.account = a
      this.loaded = true
      return a
    },
    /** Signs out at the server (errors ignored) and forgets the account. */
    async signOut(): Promise<void> {
      try {
        if (this.account) await api.del('/session')
      } catch {
        /* the session may already have ended */
      }
      this.clear()
    },
    /** Changes the own password; the answer (new csrf_token) replaces the account. */
    async changePassword(oldPassword: string, newPassword: string): Promise<Account> {
      const a = await api.post<Account>('/session/password', { old_password: oldPassword, new_password: newPassword })
      this.account = a
      return a
    },
    /** Forgets the account locally (after a 401). */
    clear(): void {
      this.account = null
      this.loaded = true
    },
    /** True when signed in with one of roles (no roles: signed in at all). */
    hasRole(...roles: Role[]): boolean {
      if (!this.account) return false
      return roles.length === 0 || roles.includes(this.account.role)
    },
  },
})
