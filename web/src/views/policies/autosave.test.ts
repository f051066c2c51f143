import { beforeEach, describe, expect, it } from 'vitest'
import { autosaveKey, forget, keep, keptModules, opening, recall } from './autosave'
import type { KeyValueStore } from './autosave'

/** A Storage in memory. */
class MemoryStore implements KeyValueStore {
  private m = new Map<string, string>()
  get length() {
    return this.m.size
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null
  }
  getItem(k: string) {
    return this.m.get(k) ?? null
  }
  setItem(k: string, v: string) {
    this.m.set(k, v)
  }
  removeItem(k: string) {
    this.m.delete(k)
  }
}

describe('autosave', () => {
  let store: MemoryStore
  const at = new Date('2026-12-06T02:00:00Z')
  beforeEach(() => {
    store = new MemoryStore()
  })

  it('keeps an edit per account and module, and recalls it', () => {
    keep(store, 'legal', 'custom', 'edited', 'server', at)
    keep(store, 'legal2', 'custom', 'other', 'server', at)
    expect(recall(store, 'legal', 'custom')).toEqual({ module: 'custom', source: 'edited', base: 'server', saved_at: '2026-12-06T02:00:00.000Z' })
    expect(recall(store, 'legal2', 'custom')?.source).toBe('other')
    expect(recall(store, 'legal', 'deadline')).toBeNull()
    expect(keptModules(store, 'legal')).toEqual(['custom'])
  })

  it('keeps nothing for a text equal to the server’s', () => {
    keep(store, 'legal', 'custom', 'edited', 'server', at)
    keep(store, 'legal', 'custom', 'server', 'server', at)
    expect(recall(store, 'legal', 'custom')).toBeNull()
  })

  it('forgets', () => {
    keep(store, 'legal', 'custom', 'edited', 'server', at)
    forget(store, 'legal', 'custom')
    expect(keptModules(store, 'legal')).toEqual([])
  })

  it('treats an unreadable entry as none', () => {
    store.setItem(autosaveKey('legal', 'custom'), '{not json')
    expect(recall(store, 'legal', 'custom')).toBeNull()
    store.setItem(autosaveKey('legal', 'custom'), '{"source": 1}')
    expect(recall(store, 'legal', 'custom')).toBeNull()
  })

  it('survives a full storage', () => {
    const full: KeyValueStore = Object.assign(new MemoryStore(), {
      setItem() {
        throw new Error('QuotaExceededError')
      },
    })
    expect(() => keep(full, 'legal', 'custom', 'a', 'b', at)).not.toThrow()
  })

  describe('opening a module', () => {
    it.each([
      ['nothing kept: the server’s text', null, 'server', { source: 'server', restored: false, stale: false }],
      ['a kept edit: restored', ['edited', 'server'], 'server', { source: 'edited', restored: true, stale: false }],
      ['a kept edit over a text since changed: restored, stale', ['edited', 'old'], 'server', { source: 'edited', restored: true, stale: true }],
      ['a kept copy the server now has: dropped', ['server', 'old'], 'server', { source: 'server', restored: false, stale: false }],
    ])('%s', (_name, kept, server, want) => {
      if (kept) keep(store, 'legal', 'custom', kept[0], kept[1], at)
      const got = opening(store, 'legal', 'custom', server as string)
      expect({ source: got.source, restored: got.restored !== null, stale: got.stale }).toEqual(want)
      if (!want.restored) expect(recall(store, 'legal', 'custom')).toBeNull()
    })
  })
})
