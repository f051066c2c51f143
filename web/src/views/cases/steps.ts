// A case's steps beyond those GET /api/v1/cases/{case_no} shows: read page by
// page from GET /api/v1/cases/{case_no}/steps?cursor= ({items, next_cursor}).

import type { Step } from './types'

/** One page of GET /api/v1/cases/{case_no}/steps. */
export interface StepPage {
  items: Step[]
  next_cursor: string | null
}

/** Reads the page that starts at cursor. */
export type StepPageReader = (cursor: string) => Promise<StepPage>

/**
 * Reads the pages from cursor to the last, handing each to onPage with the
 * cursor after it (null after the last). onPage returns false to stop early,
 * e.g. when the page shows another case by now. A failed read throws; the
 * pages before it have been handed over, so reading may resume at the last
 * cursor onPage received.
 */
export async function readRemainingSteps(
  read: StepPageReader,
  cursor: string,
  onPage: (steps: Step[], next: string | null) => boolean | void,
): Promise<void> {
  let next: string | null = cursor
  while (next) {
    const page = await read(next)
    const after = page.next_cursor ?? null
    if (after === next) throw new Error('办件环节分页未能前进') // a server defect: never loop on it
    if (onPage(page.items ?? [], after) === false) return
    next = after
  }
}

/** have followed by the steps of more that have not yet been seen (by id). */
export function appendSteps(have: Step[], more: Step[]): Step[] {
  const seen = new Set(have.map((s) => s.id))
  const out = [...have]
  for (const s of more) {
    if (seen.has(s.id)) continue
    seen.add(s.id)
    out.push(s)
  }
  return out
}
