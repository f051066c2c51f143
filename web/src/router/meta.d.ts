import 'vue-router'
import type { Role } from '../format'

export {}

declare module 'vue-router' {
  interface RouteMeta {
    /** Page title: the browser tab, the menu entry and the page header. */
    title?: string
    /** Roles that may open the page; omitted = every signed-in account. */
    roles?: Role[]
    /** Present when the page has an entry in the side menu. */
    menu?: { order: number; icon?: string; group?: string }
    /** Pages that need no sign-in (/login, the public pages). */
    public?: boolean
    /** The public pages (/public/): their own layout, and no session is loaded for them. */
    disclosure?: boolean
  }
}
