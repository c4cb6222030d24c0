/**
 * Builds the web map into web-map/dist/ (served by the server at `/`):
 *   - web-map/src/main.ts → main.js (ESM, minified, with source maps; lazily imported modules in chunks/),
 *     bundled by esbuild;
 *   - web-map/public/*    → copied as is (index.html, app.css, favicon.svg);
 *   - maplibre-gl.css and the MapLibre worker (maplibre-gl-worker.mjs + map) from node_modules.
 * MapLibre 6 starts its worker as a module worker from a URL; main.ts points `setWorkerUrl` at the copied
 * maplibre-gl-worker.mjs. Without that file vector layers silently stay empty.
 *
 * Usage: npm run build:web [-- --dev]   (--dev: no minification, for debugging)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(ROOT, 'web-map');
const OUT = path.join(WEB, 'dist');
const require = createRequire(import.meta.url);

/** Every file under dir, as paths relative to it. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      // Dirent.parentPath is Node ≥ 20.12; earlier 20.x call it `path`.
      .map((d) =>
        path.relative(
          dir,
          path.join((d as { parentPath?: string }).parentPath ?? (d as unknown as { path: string }).path, d.name),
        ),
      )
  );
}

export async function buildWeb(opts: { dev?: boolean; quiet?: boolean } = {}): Promise<void> {
  const t0 = Date.now();
  // Build into a scratch folder, then move each file into dist/ with an atomic rename and drop stale files:
  // a server (or a concurrent test run) reading dist/ never sees it missing or half-written.
  const tmp = fs.mkdtempSync(path.join(WEB, '.build-'));
  try {
    const result = await esbuild.build({
      entryPoints: { main: path.join(WEB, 'src', 'main.ts') },
      outdir: tmp,
      bundle: true,
      format: 'esm',
      splitting: true, // lazily imported modules (diagnostics.ts) become chunks
      chunkNames: 'chunks/[name]-[hash]',
      platform: 'browser',
      target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
      minify: !opts.dev,
      sourcemap: true,
      legalComments: 'linked',
      logLevel: 'warning',
      define: { 'process.env.NODE_ENV': JSON.stringify(opts.dev ? 'development' : 'production') },
    });

    // Static files of the page.
    const pub = path.join(WEB, 'public');
    for (const name of fs.readdirSync(pub)) fs.cpSync(path.join(pub, name), path.join(tmp, name), { recursive: true });

    // MapLibre's stylesheet and its module worker (with source map), straight from the installed package.
    const mlDist = path.join(path.dirname(require.resolve('maplibre-gl/package.json')), 'dist');
    for (const name of ['maplibre-gl.css', 'maplibre-gl-worker.mjs', 'maplibre-gl-worker.mjs.map']) {
      fs.copyFileSync(path.join(mlDist, name), path.join(tmp, name));
    }

    const fresh = listFiles(tmp);
    for (const f of fresh) {
      fs.mkdirSync(path.dirname(path.join(OUT, f)), { recursive: true });
      fs.renameSync(path.join(tmp, f), path.join(OUT, f));
    }
    const keep = new Set(fresh);
    for (const f of listFiles(OUT)) if (!keep.has(f)) fs.rmSync(path.join(OUT, f), { force: true });

    if (!opts.quiet) {
      const bytes = (f: string) => fs.statSync(path.join(OUT, f)).size;
      const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
      const chunks = fresh.filter((f) => f.startsWith('chunks') && f.endsWith('.js')).reduce((n, f) => n + bytes(f), 0);
      const warnings = result.warnings.length ? `, ${result.warnings.length} warnings` : '';
      console.log(
        `web map built in ${Date.now() - t0} ms → ${path.relative(ROOT, OUT)}/ ` +
          `(main.js ${kb(bytes('main.js'))}, chunks ${kb(chunks)}, maplibre-gl-worker.mjs ${kb(bytes('maplibre-gl-worker.mjs'))}${warnings})`,
      );
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb({ dev: process.argv.includes('--dev') }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
