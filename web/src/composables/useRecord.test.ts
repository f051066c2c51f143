import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { ApiError } from '@/api'
import { useRecordById } from './useRecord'

const settled = () => new Promise((resolve) => setTimeout(resolve))

describe('useRecordById', () => {
  it('reads the record of the id, and again when the id changes', async () => {
    const id = ref('7')
    const asked: string[] = []
    const r = useRecordById(id, async (n) => {
      asked.push(n)
      return { id: Number(n) }
    })
    await settled()
    expect(r.record.value).toEqual({ id: 7 })
    expect(r.loading.value).toBe(false)
    id.value = '8'
    await nextTick()
    await settled()
    expect(asked).toEqual(['7', '8'])
    expect(r.record.value).toEqual({ id: 8 })
  })

  it('finds no record for an id that is not a number, without asking', async () => {
    const asked: string[] = []
    const r = useRecordById(ref('abc'), async (n) => asked.push(n))
    await settled()
    expect(r.notFound.value).toBe(true)
    expect(asked).toEqual([])
  })

  it('tells a 404 from another failure', async () => {
    let status = 404
    const r = useRecordById(ref('1'), async () => {
      throw new ApiError(status, status === 404 ? 'not_found' : 'internal', status === 404 ? '不存在' : '服务器内部错误')
    })
    await settled()
    expect(r.notFound.value).toBe(true)
    expect(r.failure.value).toBe('')
    status = 500
    await r.load()
    expect(r.notFound.value).toBe(false)
    expect(r.failure.value).toBe('服务器内部错误')
    expect(r.record.value).toBeNull()
  })
})
