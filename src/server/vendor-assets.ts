import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Browser files of third-party packages the web UI loads, by the name it asks for under `/vendor/`. */
export const VENDOR_FILES = {
  // Chart.js's self-contained UMD build (it defines `window.Chart`); its ES module build imports a bare
  // specifier a browser cannot resolve.
  'chart.umd.min.js': { pkg: 'chart.js', file: 'chart.umd.min.js' },
} as const

export type VendorFile = keyof typeof VENDOR_FILES

/**
 * Where a vendor file is on disk: the copy the package build put next to the UI (`dist/server/ui/vendor`),
 * else the installed package's own dist file. Served from this origin, so the CSP keeps `script-src 'self'`.
 *
 * @example
 * res.sendFile(vendorFilePath(uiDirectory(), 'chart.umd.min.js'))
 */
export function vendorFilePath(uiDir: string, name: VendorFile): string {
  const copied = join(uiDir, 'vendor', name)
  if (existsSync(copied)) return copied
  const { pkg, file } = VENDOR_FILES[name]
  // The package's main entry sits in its dist/ folder next to the browser builds.
  return join(dirname(createRequire(import.meta.url).resolve(pkg)), file)
}
