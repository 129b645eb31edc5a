// Prints the plain closing line CI reads: "N passed, M failed" (tests, not suites).
// A suite that failed to load counts as one failed test so that it cannot hide.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
