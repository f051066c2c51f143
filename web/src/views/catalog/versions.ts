// An item's versions (GET /power-items/{code}/versions, paged) and the one
// in force against which an adjustment is read.
import { api } from '../../api'
import type { Page } from '../../api'
import type { ItemVersion } from './types'

/** Every version of code, oldest first (an item has at most 100). */
export async function loadVersions(code: string): Promise<ItemVersion[]> {
  const out: ItemVersion[] = []
  let cursor: string | undefined
  for (let i = 0; i < 10; i++) {
    const page = await api.get<Page<ItemVersion>>(`/power-items/${encodeURIComponent(code)}/versions`, { limit: 50, cursor })
    out.push(...(page.items ?? []))
    if (!page.next_cursor) break
    cursor = page.next_cursor
  }
  return out
}

/**
 * The version in force when version was proposed: the latest approved one
 * before it; null for a first version.
 */
export function inForceBefore(versions: ItemVersion[], version: number): ItemVersion | null {
  let best: ItemVersion | null = null
  for (const v of versions) {
    if (v.version < version && v.approval_status === 'approved' && (!best || v.version > best.version)) best = v
  }
  return best
}

/** The version new cases are accepted under: the latest approved one. */
export function inForce(versions: ItemVersion[]): ItemVersion | null {
  return inForceBefore(versions, Number.MAX_SAFE_INTEGER)
}
