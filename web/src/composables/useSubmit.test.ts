import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api'
import { collapseFieldErrors } from '@/views/admin/shared'
import { useSubmit } from './useSubmit'

const invalid = () =>
  new ApiError(422, 'invalid', '提交的内容有误', [
    { field: 'allowed_cidrs[1]', message: '不是有效的地址段' },
    { field: 'username', message: '用户名已存在' },
  ])

describe('useSubmit', () => {
  it('runs the action, busy meanwhile, and answers true', async () => {
    const s = useSubmit()
    let busyInside = false
    const ok = await s.run(async () => {
      busyInside = s.busy.value
    })
    expect(ok).toBe(true)
    expect(busyInside).toBe(true)
    expect(s.busy.value).toBe(false)
    expect(s.failure.value).toBe('')
  })

  it('keeps the message and the field errors of a failure', async () => {
    const s = useSubmit()
    const ok = await s.run(async () => {
      throw invalid()
    })
    expect(ok).toBe(false)
    expect(s.busy.value).toBe(false)
    expect(s.failure.value).toBe('提交的内容有误')
    expect(s.errors.value).toEqual({ 'allowed_cidrs[1]': '不是有效的地址段', username: '用户名已存在' })
  })

  it('places field errors through the given mapping', async () => {
    const s = useSubmit({ placeErrors: collapseFieldErrors })
    await s.run(async () => {
      throw invalid()
    })
    expect(s.errors.value).toEqual({ allowed_cidrs: '不是有效的地址段', username: '用户名已存在' })
  })

  it('forgets the last failure on the next run and on clear', async () => {
    const s = useSubmit()
    await s.run(async () => {
      throw invalid()
    })
    await s.run(async () => undefined)
    expect(s.failure.value).toBe('')
    expect(s.errors.value).toEqual({})
    await s.run(async () => {
      throw new Error('网络中断')
    })
    expect(s.failure.value).toBe('网络中断')
    s.clear()
    expect(s.failure.value).toBe('')
  })

  it('does not start a second run while one is under way', async () => {
    const s = useSubmit()
    let release!: () => void
    let runs = 0
    const first = s.run(
      () =>
        new Promise<void>((r) => {
          runs++
          release = r
        }),
    )
    const second = await s.run(async () => {
      runs++
    })
    expect(second).toBe(false)
    release()
    expect(await first).toBe(true)
    expect(runs).toBe(1)
  })
})
