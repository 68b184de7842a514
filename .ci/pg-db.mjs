// The PostgreSQL database of one CI run: `create <admin-url> <name>` makes it and prints its
// URL; `drop <admin-url> <name>` removes it (and whatever the tests left in it).
import pg from 'pg';

const [action, adminUrl, name] = process.argv.slice(2);
if (!['create', 'drop'].includes(action) || !adminUrl || !/^[a-z0-9_]+$/.test(name ?? '')) {
  console.error('usage: node .ci/pg-db.mjs create|drop <admin-url> <name>');
  process.exit(2);
}
const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  if (action === 'create') {
    await client.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    console.log(url.toString());
  } else {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
} catch (err) {
  const host = (() => {
    try {
      return new URL(adminUrl).host;
    } catch {
      return 'the server';
    }
  })();
  console.error(`PostgreSQL at ${host}: could not ${action} ${name}: ${err.code ?? err.message}`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
}
