// The answer to a step just recorded, handed from the dialog that recorded it
// to the case page that shows it (a new case navigates before showing it).

import type { StepResult } from './types'

const results = new Map<string, StepResult>()

export function rememberResult(r: StepResult): void {
  results.set(r.case_no, r)
}

/** The remembered answer for caseNo, once. */
export function takeResult(caseNo: string): StepResult | undefined {
  const r = results.get(caseNo)
  results.delete(caseNo)
  return r
}
