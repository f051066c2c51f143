import { describe, expect, it } from 'vitest'
import { attemptText, eventsText, parseRecipients, recipientsText, webhookBody } from './webhookModel'

describe('eventsText', () => {
  it.each([
    [['*'], '全部事件'],
    [['warning.raised', 'approval.waiting'], '产生预警或报警、待审核'],
    [['something.new'], 'something.new'],
  ])('%j → %s', (events, want) => {
    expect(eventsText(events)).toBe(want)
  })
})

describe('attemptText', () => {
  it.each([
    [{ at: '', status: 500, duration_ms: 12 }, 'HTTP 500（12 毫秒）'],
    [{ at: '', error: '推送目标不在允许的范围内', duration_ms: 0 }, '推送目标不在允许的范围内（0 毫秒）'],
    [{ at: '', duration_ms: 3 }, '无应答（3 毫秒）'],
  ])('%j → %s', (a, want) => {
    expect(attemptText(a)).toBe(want)
  })
})

describe('webhookBody', () => {
  const base = { name: 'ledger', url: ' https://hooks.example.cn/in ', all: false, events: ['warning.raised'], secret: '' }
  it('leaves the secret out when none was typed', () => {
    expect(webhookBody(base)).toEqual({ url: 'https://hooks.example.cn/in', events: ['warning.raised'] })
  })
  it('subscribes to everything when all is chosen, and sends a typed secret', () => {
    expect(webhookBody({ ...base, all: true, secret: 'a-new-secret-0123456' })).toEqual({
      url: 'https://hooks.example.cn/in',
      events: ['*'],
      secret: 'a-new-secret-0123456',
    })
  })
})

describe('recipients', () => {
  it('reads one account and address a line, in any common separator', () => {
    expect(parseRecipients('zjj-admin wang@example.cn\n\n scj-admin，li@example.cn \nbroken')).toEqual({
      'zjj-admin': 'wang@example.cn',
      'scj-admin': 'li@example.cn',
    })
  })
  it('writes them back sorted', () => {
    expect(recipientsText({ b: 'b@x.cn', a: 'a@x.cn' })).toBe('a a@x.cn\nb b@x.cn')
    expect(recipientsText(undefined)).toBe('')
  })
})
