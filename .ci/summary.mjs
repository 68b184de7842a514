// Reads the steps .ci/run recorded (one per line: node version, step, exit status, tally file or
// "-", seconds) and prints one line per step, which Node versions failed, and last the closing
// line "N passed, N failed, N skipped" summed over every run. Exits 1 if anything failed.
//
// A step without a tally (npm ci, type check, installing a Node version) counts 1 failure when
// it fails. A test run counts its failed tests, tests that never finished, suites whose own code
// or hooks threw, and unhandled errors; a non-zero exit with none of those (the build before the
// tests failed, Vitest itself crashed) or a run with no test at all counts 1 failure.
import { existsSync, readFileSync } from 'node:fs';

const [runsFile, totalSeconds] = process.argv.slice(2);
const lines = existsSync(runsFile) ? readFileSync(runsFile, 'utf8').split('\n').filter(Boolean) : [];

const sum = { passed: 0, failed: 0, skipped: 0 };
const failedVersions = new Set();
const versions = [];

for (const line of lines) {
  const [version, step, statusText, tallyFile, seconds] = line.split('\t');
  const status = Number(statusText);
  if (!versions.includes(version)) versions.push(version);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const notes = [];
  if (tallyFile === '-') {
    if (status !== 0) failed = 1;
  } else {
    let tally;
    try {
      tally = JSON.parse(readFileSync(tallyFile, 'utf8'));
    } catch {
      notes.push('no test report (the build or Vitest failed before the tests ended)');
    }
    if (tally) {
      passed = tally.passed;
      skipped = tally.skipped;
      failed = tally.failed + tally.unfinished + tally.crashedSuites.length + tally.unhandledErrors;
      if (tally.unfinished) notes.push(`${tally.unfinished} never finished`);
      for (const suite of tally.crashedSuites) notes.push(`suite crashed: ${suite}`);
      if (tally.unhandledErrors) notes.push(`${tally.unhandledErrors} unhandled error(s)`);
      if (passed + failed === 0) notes.push('no test ran');
    }
    if (failed === 0 && (status !== 0 || passed === 0)) failed = 1;
    if (status !== 0 && notes.length === 0) notes.push(`exit status ${status}`);
  }
  sum.passed += passed;
  sum.failed += failed;
  sum.skipped += skipped;
  if (failed > 0) failedVersions.add(version);
  const counts = tallyFile === '-' ? (failed ? 'FAILED' : 'ok') : `${passed} passed, ${failed} failed, ${skipped} skipped`;
  console.log(`ci: Node ${version} ${step}: ${counts} (${seconds} s)${notes.length ? ` — ${notes.join('; ')}` : ''}`);
}

if (lines.length === 0) {
  sum.failed = 1;
  console.log('ci: nothing ran');
}
if (totalSeconds) console.log(`ci: total ${totalSeconds} s`);
console.log(
  failedVersions.size > 0
    ? `ci: FAILED on Node ${[...failedVersions].join(', ')}`
    : `ci: passed on Node ${versions.join(', ')}`,
);
console.log(`${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
process.exitCode = sum.failed > 0 || lines.length === 0 ? 1 : 0;
