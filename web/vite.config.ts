/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

const api = process.env.POWERCHECK_API || 'http://127.0.0.1:8080'
const proxy = Object.fromEntries(
  ['/api', '/healthz', '/readyz'].map((p) => [p, { target: api, changeOrigin: false }]),
)

// Vendor code in a few long-cached chunks; ECharts only ever arrives through a
// dynamic import() in the page that draws a chart, never in the first load.
function manualChunks(id: string): string | undefined {
  if (!id.includes('node_modules')) return undefined
  if (/node_modules\/(echarts|zrender)\//.test(id)) return 'echarts'
  if (/node_modules\/@element-plus\/icons-vue\//.test(id)) return 'element-icons'
  if (/node_modules\/(element-plus|@element-plus|@vueuse|@floating-ui|@popperjs|async-validator|dayjs|lodash|lodash-es|lodash-unified|memoize-one|normalize-wheel-es|@ctrl)\//.test(id)) {
    return 'element-plus'
  }
  if (/node_modules\/(vue|@vue|vue-router|pinia|vue-demi)\//.test(id)) return 'vue'
  return undefined
}

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: 'dist/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: true,
    rollupOptions: {
      output: { manualChunks },
    },
  },
  server: {
    proxy,
  },
  preview: {
    proxy,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    // Component tests mount Element Plus pages; on a machine busy with other
    // test runs one can take longer than Vitest's default 5 s.
    testTimeout: 20_000,
  },
})
