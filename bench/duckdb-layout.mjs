// bench/duckdb-layout.mjs: rewrites an extract set as a warehouse or Spark job lays it
// out, with DuckDB's Parquet writer and its defaults (122,880-row row groups, snappy,
// PLAIN encoding for high-cardinality columns such as customer_id and order_id, no
// dictionary for them), so that bench/run.sh measures that layout beside the
// generator's. Every table becomes one file, but purchases, which is written as
// several files of 40 row groups each (a job's output split by size), into a folder.
// Columns, types and row order are kept.
//
// Run from testdata/reference (where @duckdb/node-api is installed), reading this file
// from standard input so that the package resolves there:
//
//	cd testdata/reference && node --input-type=module - SRC DST < ../../bench/duckdb-layout.mjs
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const [src, dst] = process.argv.slice(2);
if (!src || !dst) {
  console.error('usage: node --input-type=module - SRC DST < duckdb-layout.mjs');
  process.exit(2);
}
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`SET TimeZone='UTC'`);
await con.run(`SET preserve_insertion_order=true`);
fs.mkdirSync(dst, { recursive: true });
for (const entry of fs.readdirSync(src, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
  if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
  const table = entry.name.replace(/\.parquet$/, '');
  const from = entry.isDirectory() ? path.join(src, entry.name, '**', '*.parquet') : path.join(src, entry.name);
  const read = `read_parquet(${quote(from)}, hive_partitioning=false)`;
  if (table === 'purchases') {
    await con.run(`COPY (SELECT * FROM ${read}) TO ${quote(path.join(dst, table))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUPS_PER_FILE 40)`);
  } else {
    await con.run(`COPY (SELECT * FROM ${read}) TO ${quote(path.join(dst, table + '.parquet'))} (FORMAT parquet, COMPRESSION snappy)`);
  }
  console.log(`${table}: rewritten`);
}
