import { ref } from 'vue'
import { api } from '@/api'

/**
 * The signed-in account's unread count, shared by the bell and the inbox
 * page so that a mark read on the page shows on the bell at once.
 */
export const unreadCount = ref(0)

/** Reads the count again; a failure keeps the last one (the bell is not worth an error). */
export async function refreshUnread(): Promise<void> {
  try {
    const r = await api.get<{ unread: number }>('/notifications/count')
    unreadCount.value = r.unread
  } catch {
    // keep the last count
  }
}
