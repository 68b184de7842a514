// A Vitest reporter that writes one run's honest tally as JSON to $SENTRY_TG_TALLY_FILE.
// Vitest 4's JSON reporter leaves out what CI must not miss: unhandled errors (an uncaught
// exception or rejection between tests) appear nowhere in it, and a module that fails to load or
// a failing beforeAll shows only as a failed suite with no failed test. Here each of those counts
// as a failure, and tests that never finished (a crashed worker) count as failed, not skipped.
import { writeFileSync } from 'node:fs';

export default class TallyReporter {
  /**
   * @param {ReadonlyArray<import('vitest/node').TestModule>} testModules
   * @param {ReadonlyArray<{ name?: string; message?: string }>} unhandledErrors
   * @param {'passed' | 'interrupted' | 'failed'} reason
   */
  onTestRunEnd(testModules, unhandledErrors, reason) {
    const tally = { passed: 0, failed: 0, skipped: 0, unfinished: 0, crashedSuites: [], unhandledErrors: unhandledErrors.length, reason };
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') tally.passed++;
        else if (state === 'failed') tally.failed++;
        else if (state === 'skipped') tally.skipped++;
        else tally.unfinished++;
      }
      // Errors that belong to no test: the module's own (import, top-level code, file hooks)
      // and each describe block's (its beforeAll/afterAll).
      const holders = [mod, ...mod.children.allSuites()];
      for (const holder of holders) {
        if (holder.errors().length > 0) tally.crashedSuites.push(holder.type === 'module' ? holder.moduleId : `${holder.module.moduleId} > ${holder.fullName}`);
      }
    }
    const file = process.env.SENTRY_TG_TALLY_FILE;
    if (file) writeFileSync(file, `${JSON.stringify(tally)}\n`);
  }
}
