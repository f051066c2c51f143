// Months of the public figures.
import { currentMonth } from '../../format'
import { shiftMonth } from '../patrols/ledger'

/** Last month in Asia/Shanghai, 'YYYY-MM': the latest whose figures are complete. */
export function lastMonth(now: Date = new Date()): string {
  return shiftMonth(currentMonth(now), -1)
}
