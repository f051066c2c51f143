import type { RouteMeta, RouteRecordRaw, RouteRecordSingleView } from 'vue-router'

/**
 * One page of the console: its path, route name, lazily loaded view and meta.
 * Every area's routes.ts lists its pages with it, one line a page.
 */
export function page(path: string, name: string, component: RouteRecordSingleView['component'], meta: RouteMeta): RouteRecordRaw {
  return { path, name, component, meta }
}
