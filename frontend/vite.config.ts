/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The settings UI is served by the aimodels binary from the embedded dist/ at the
// site root, so base is '/' and every route is a client-side History API route.
export default defineConfig({
  base: '/',
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
