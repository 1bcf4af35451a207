// Vite build of the staff console. The output (web/dist) is served by the C
// server under a strict CSP: no inline scripts, no eval, nothing from other
// origins. Hashed files go to dist/assets (cached for a year by the server);
// each larger text asset also gets a .gz beside it, which the server sends
// to clients that accept gzip.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

function precompress() {
  let outDir = 'dist'
  return {
    name: 'jiceng-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      const walk = (dir) => {
        for (const name of readdirSync(dir)) {
          const file = join(dir, name)
          if (statSync(file).isDirectory()) {
            walk(file)
          } else if (/\.(js|css|svg|json|html)$/.test(name) && statSync(file).size >= 1024) {
            writeFileSync(file + '.gz', gzipSync(readFileSync(file), { level: 9 }))
          }
        }
      }
      walk(outDir)
    },
  }
}

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus on demand: each <el-...> a template uses (and v-loading) is imported
    // where it is used, so a page loads only the components it draws. The styles stay
    // one sheet, loaded first (main.js), so the console's own rules come after them.
    Components({ resolvers: [ElementPlusResolver({ importStyle: false })], dts: false }),
    precompress(),
  ],
  define: {
    // vue-i18n: composition API only; messages are compiled to an AST and
    // interpreted (JIT), never turned into code with eval/new Function.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_JIT_COMPILATION__: true,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id) {
          // Rollup's CommonJS helpers are shared by the entry and CommonJS packages (Leaflet):
          // left to Rollup they land in the first such chunk, and the entry then loads Leaflet.
          if (id.includes('commonjsHelpers')) return 'vendor'
          if (!id.includes('node_modules')) return undefined
          if (id.includes('/echarts/') || id.includes('/zrender/')) return 'echarts'
          // Element Plus and what it needs go with the pages that use them (Rollup's own
          // chunks): the login page does not wait for the tables and pickers of the others.
          if (/\/node_modules\/(element-plus|@element-plus|@floating-ui|@popperjs|@ctrl|@vueuse|lodash-es|lodash-unified|async-validator|dayjs|memoize-one|normalize-wheel-es|escape-html)\//.test(id)) return undefined
          // Maps only: loaded by the pages that draw one, never on the way to the dashboard.
          if (id.includes('/node_modules/leaflet/')) return 'leaflet'
          // Outline editing: imported when a map page opens, after Leaflet is global (it reads window.L).
          if (id.includes('/@geoman-io/') || id.includes('/lodash/') || id.includes('/@turf/')) return 'geoman'
          return 'vendor'
        },
      },
    },
  },
  server: {
    // `npm run dev` talks to a jiceng server on the default address.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
