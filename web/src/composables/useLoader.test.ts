import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api'
import { useLoader } from './useLoader'

describe('useLoader', () => {
  it('keeps what a read answers, loading meanwhile', async () => {
    let loadingInside = false
    const l = useLoader(async () => {
      loadingInside = l.loading.value
      return ['a', 'b']
    }, [] as string[])
    expect(l.data.value).toEqual([])
    expect(await l.load()).toBe(true)
    expect(loadingInside).toBe(true)
    expect(l.loading.value).toBe(false)
    expect(l.data.value).toEqual(['a', 'b'])
    expect(l.error.value).toBe('')
  })

  it('keeps what was shown when a read fails, or goes back to the start when asked', async () => {
    let fail = false
    const read = async () => {
      if (fail) throw new ApiError(500, 'internal', '服务器内部错误')
      return 7
    }
    const kept = useLoader(read, 0)
    const reset = useLoader(read, 0, { resetOnError: true })
    await kept.load()
    await reset.load()
    fail = true
    expect(await kept.load()).toBe(false)
    expect(await reset.load()).toBe(false)
    expect(kept.data.value).toBe(7)
    expect(reset.data.value).toBe(0)
    expect(kept.error.value).toBe('服务器内部错误')
    fail = false
    await kept.load()
    expect(kept.error.value).toBe('')
  })

  it('shows only the newest of overlapping reads', async () => {
    const answers: ((v: string) => void)[] = []
    const l = useLoader(() => new Promise<string>((r) => answers.push(r)), '')
    const first = l.load()
    const second = l.load()
    answers[1]('new')
    expect(await second).toBe(true)
    answers[0]('old')
    expect(await first).toBe(false)
    expect(l.data.value).toBe('new')
    expect(l.loading.value).toBe(false)
  })
})
