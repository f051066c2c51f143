// Date ranges kept as two fields (from, to) of a filter, and the picker's
// [from, to] value that edits them.
import { computed } from 'vue'
import type { WritableComputedRef } from 'vue'

export type DateRange = [string, string]

/**
 * The picker's value for target[fromKey] and target[toKey]. With `either`, one
 * end alone already shows (a range read from an address may have one end);
 * otherwise both are needed. Clearing the picker empties both.
 */
export function rangeModel<K extends string>(
  target: Record<K, string>,
  fromKey: K,
  toKey: K,
  either = false,
): WritableComputedRef<DateRange | null> {
  return computed<DateRange | null>({
    get: () => {
      const from: string = target[fromKey]
      const to: string = target[toKey]
      const shown = either ? !!(from || to) : !!(from && to)
      return shown ? ([from, to] as DateRange) : null
    },
    set: (v: DateRange | null) => {
      target[fromKey] = v?.[0] ?? ''
      target[toKey] = v?.[1] ?? ''
    },
  })
}
