import { defineConfig } from 'drizzle-kit'

// `npm run db:generate` (drizzle-kit generate) writes SQL migrations; never `push`,
// never edit an applied migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/storage/schema/index.ts',
  out: './migrations',
})
