// Vitest config for the platform-emulator suites only: `npx vitest run -c test/emulators/vitest.emulators.config.ts`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/emulators/**/*.test.ts'],
    // The SDKs use axios, which honours HTTP(S)_PROXY; loopback must never be proxied.
    env: { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
