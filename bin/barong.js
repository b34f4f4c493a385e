#!/usr/bin/env node
// The `barong` command. With the development dependencies installed (a clone) it runs the TypeScript source
// through tsx, so it is never older than the code; without them (the production image) it runs the build in dist/.
let tsx
try {
  tsx = await import('tsx/esm/api')
} catch {
  tsx = null
}
if (tsx) {
  tsx.register()
  await import('../src/cli/barong.ts')
} else {
  await import('../dist/cli/barong.js')
}
