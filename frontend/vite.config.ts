/// <reference types="vitest/config" />
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

// Files worth compressing: text. Images (PNG, …) are compressed already.
const compressible = /\.(js|mjs|css|html|svg|json|txt|map|webmanifest)$/;

// precompress writes, beside every compressible file of the build, its
// gzip (level 9) and brotli (quality 11) forms, which the aimodels binary
// serves with Content-Encoding when the browser accepts them. A form that
// would not be smaller is not written. Node's zlib writes no timestamp in
// the gzip header, so the output is deterministic.
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'aimodels-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const p = join(dir, name);
          return statSync(p).isDirectory() ? walk(p) : [p];
        });
      for (const file of walk(outDir)) {
        if (!compressible.test(file)) continue;
        const body = readFileSync(file);
        const gz = gzipSync(body, { level: 9 });
        const br = brotliCompressSync(body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        });
        if (gz.length < body.length) writeFileSync(file + '.gz', gz);
        if (br.length < body.length) writeFileSync(file + '.br', br);
      }
    },
  };
}

// The settings UI is served by the aimodels binary from the embedded dist/ at the
// site root, so base is '/' and every route is a client-side History API route.
export default defineConfig({
  base: '/',
  plugins: [precompress()],
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Deterministic output: content-hashed names only, no timestamps.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': process.env.AIMODELS_DEV_API ?? 'http://127.0.0.1:8080',
      '/healthz': process.env.AIMODELS_DEV_API ?? 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
