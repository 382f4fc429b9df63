// The init container of every service (kustomization.yaml makes it a ConfigMap): waits until
// PostgreSQL holds every migration that this image knows, that is until the migration Job of the
// same version has run, so that no service starts against an older schema. It only reads; the Job
// alone changes the schema. Runs in the migrate image (node, libs/application and its dependencies
// under /app). Exits 0 once they are all there, 1 after WAIT_TIMEOUT_MS (the pod then restarts it).
const appDir = process.env.APP_DIR ?? '/app';
const intervalMs = Number(process.env.WAIT_INTERVAL_MS ?? 5000);
const deadline = Date.now() + Number(process.env.WAIT_TIMEOUT_MS ?? 900_000);
const { openOrm } = await import(`${appDir}/libs/application/dist/src/db/orm.js`);
const { MIGRATIONS } = await import(`${appDir}/libs/application/dist/src/db/migrations/index.js`);

/** The names of this image's migrations that the database has not recorded. */
async function missing() {
  const orm = await openOrm({ url: process.env.DATABASE_URL, poolMax: 1, connectTimeoutMs: 5000 });
  try {
    const rows = await orm.em.fork().execute('select name from mikro_orm_migrations');
    const applied = new Set(rows.map((row) => row.name));
    return MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
  } finally {
    await orm.close(true);
  }
}

for (;;) {
  let waiting;
  try {
    waiting = await missing();
  } catch (err) {
    // PostgreSQL not up yet, or no migration table yet: the Job has not run.
    waiting = [`(${err instanceof Error ? err.message : String(err)})`];
  }
  if (waiting.length === 0) {
    console.log(`wait-for-migrations: all ${MIGRATIONS.length} migrations applied`);
    break;
  }
  if (Date.now() > deadline) {
    console.error(`wait-for-migrations: gave up; missing: ${waiting.join(', ')}`);
    process.exitCode = 1;
    break;
  }
  console.log(`wait-for-migrations: waiting for the migration Job; missing: ${waiting.join(', ')}`);
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
