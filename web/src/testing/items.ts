import type { CatalogItem } from '@/views/catalog/types'

/**
 * A licensing item as the API answers it: four steps, the third an approved
 * risk checkpoint that ends the clock. Each call returns a fresh copy, so a
 * test may change it.
 */
export function licensingItem(): CatalogItem {
  return {
    code: 'XK-001',
    version: 1,
    name: '建筑工程施工许可',
    category: '行政许可',
    department_code: 'ZJJ',
    status: 'active',
    legal_bases: [{ id: 'LB1', title: '《中华人民共和国建筑法》', article: '第八条' }],
    time_limit: { days: 15, unit: 'workday' },
    steps: [
      { code: 'accept', name: '受理' },
      { code: 'review', name: '审查', time_limit_days: 10 },
      { code: 'decide', name: '决定', risk_checkpoint: true, requires_approval: 'dept_inspector', ends_clock: true },
      { code: 'deliver', name: '送达', time_limit_days: 10 },
    ],
    discretion: { 一般: { min: 1000, max: 5000 } },
    created_at: '2026-03-02T01:00:00Z',
  }
}
