// What a legal officer types is kept in the browser's local storage, per
// account and module, until it is saved as a draft on the server: a reload
// or a closed tab loses nothing.

export const AUTOSAVE_PREFIX = 'powercheck.policy-workbench.v1:'

/** The part of Storage autosave uses (localStorage, or a fake in tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>

export interface Autosaved {
  module: string
  /** The text being edited. */
  source: string
  /** The server's text it started from: when the server's changes, the local copy may be stale. */
  base: string
  /** ISO time of the last keystroke kept. */
  saved_at: string
}

export function autosaveKey(username: string, module: string): string {
  return `${AUTOSAVE_PREFIX}${username}:${module}`
}

/** Keeps source for module; a text equal to the server's is nothing to keep. */
export function keep(store: KeyValueStore, username: string, module: string, source: string, base: string, now = new Date()): void {
  const key = autosaveKey(username, module)
  if (source === base) {
    store.removeItem(key)
    return
  }
  const v: Autosaved = { module, source, base, saved_at: now.toISOString() }
  try {
    store.setItem(key, JSON.stringify(v))
  } catch {
    // Storage full or disabled: the page still edits, it only cannot keep.
  }
}

/** The kept copy of module, or null (none, or unreadable). */
export function recall(store: KeyValueStore, username: string, module: string): Autosaved | null {
  const raw = store.getItem(autosaveKey(username, module))
  if (!raw) return null
  try {
    const v = JSON.parse(raw)
    if (v && typeof v.source === 'string' && typeof v.base === 'string') {
      return { module, source: v.source, base: v.base, saved_at: String(v.saved_at ?? '') }
    }
  } catch {
    /* unreadable: as if none */
  }
  return null
}

export function forget(store: KeyValueStore, username: string, module: string): void {
  store.removeItem(autosaveKey(username, module))
}

/** The modules with a kept copy for username, in name order. */
export function keptModules(store: KeyValueStore, username: string): string[] {
  const prefix = autosaveKey(username, '')
  const out: string[] = []
  for (let i = 0; i < store.length; i++) {
    const k = store.key(i)
    if (k && k.startsWith(prefix)) out.push(k.slice(prefix.length))
  }
  return out.sort()
}

/**
 * What the editor should open for module, given the server's text: the
 * kept copy when there is one that differs (restored: true), else the
 * server's. stale tells that the server's text changed since the copy was
 * started (someone saved meanwhile).
 */
export function opening(
  store: KeyValueStore,
  username: string,
  module: string,
  server: string,
): { source: string; restored: Autosaved | null; stale: boolean } {
  const kept = recall(store, username, module)
  if (!kept || kept.source === server) {
    if (kept) forget(store, username, module)
    return { source: server, restored: null, stale: false }
  }
  return { source: kept.source, restored: kept, stale: kept.base !== server }
}
