import { describe, expect, it } from 'vitest'
import { appendSteps, readRemainingSteps } from './steps'
import type { StepPage } from './steps'
import type { Step } from './types'

function step(id: string): Step {
  return {
    id, case_no: 'ZJJ-1', step_code: 'review', handler: '张三', occurred_at: '2026-03-02T09:00:00+08:00',
    recorded_at: '2026-03-02T09:01:00+08:00', legal_basis_ids: [], declared_approvals: [], attributes: {},
    check_status: 'checked', policy_revision: 1,
  }
}

const ids = (ss: Step[]) => ss.map((s) => s.id)

/** A reader over pages keyed by cursor, recording the cursors it was asked for. */
function pages(byCursor: Record<string, StepPage | Error>) {
  const asked: string[] = []
  const read = async (cursor: string): Promise<StepPage> => {
    asked.push(cursor)
    const p = byCursor[cursor]
    if (p === undefined) throw new Error(`no page at ${cursor}`)
    if (p instanceof Error) throw p
    return p
  }
  return { read, asked }
}

describe('readRemainingSteps', () => {
  it('reads every page from the cursor to the last, in order', async () => {
    const { read, asked } = pages({
      c1: { items: [step('s3'), step('s4')], next_cursor: 'c2' },
      c2: { items: [step('s5')], next_cursor: null },
    })
    const got: string[] = []
    const cursors: (string | null)[] = []
    await readRemainingSteps(read, 'c1', (more, next) => {
      got.push(...ids(more))
      cursors.push(next)
    })
    expect(asked).toEqual(['c1', 'c2'])
    expect(got).toEqual(['s3', 's4', 's5'])
    expect(cursors).toEqual(['c2', null])
  })

  it('stops when told to', async () => {
    const { read, asked } = pages({
      c1: { items: [step('s3')], next_cursor: 'c2' },
      c2: { items: [step('s4')], next_cursor: null },
    })
    await readRemainingSteps(read, 'c1', () => false)
    expect(asked).toEqual(['c1'])
  })

  it('hands over the pages read before a failure, whose cursor is where to resume', async () => {
    const { read } = pages({
      c1: { items: [step('s3')], next_cursor: 'c2' },
      c2: new Error('服务器暂时无法访问'),
    })
    let resume: string | null = 'c1'
    const got: string[] = []
    await expect(
      readRemainingSteps(read, 'c1', (more, next) => {
        got.push(...ids(more))
        resume = next
      }),
    ).rejects.toThrow('服务器暂时无法访问')
    expect(got).toEqual(['s3'])
    expect(resume).toBe('c2')
  })

  it('never loops on a page that does not move on', async () => {
    const { read, asked } = pages({ c1: { items: [], next_cursor: 'c1' } })
    await expect(readRemainingSteps(read, 'c1', () => {})).rejects.toThrow()
    expect(asked).toEqual(['c1'])
  })
})

describe('appendSteps', () => {
  it('adds the steps not seen yet, after those already shown', () => {
    const got = appendSteps([step('s1'), step('s2')], [step('s2'), step('s3'), step('s3'), step('s4')])
    expect(ids(got)).toEqual(['s1', 's2', 's3', 's4'])
  })
})
