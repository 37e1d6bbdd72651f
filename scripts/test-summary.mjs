#!/usr/bin/env node
/**
 * Sums vitest JSON reports (`--reporter=json --outputFile.json=...`) into one line:
 *
 *   N passed, N failed, N skipped
 *
 * Usage: node scripts/test-summary.mjs <report.json>...
 * A report that is missing or unreadable counts as one failure (its run crashed), and so does a
 * test file that failed without any failed test in it (an import or hook error).
 * Each failed test is listed (file, name, first lines of the message) just above that line.
 * Exits 1 when something failed or nothing passed.
 */
import { readFileSync } from 'node:fs'

const files = process.argv.slice(2)
let passed = 0
let failed = 0
let skipped = 0
const failures = []

for (const file of files) {
  let report
  try {
    report = JSON.parse(readFileSync(file, 'utf8'))
  }
  catch (error) {
    console.error(`test-summary: ${file}: ${error instanceof Error ? error.message : error} (counted as 1 failed)`)
    failed += 1
    continue
  }
  passed += report.numPassedTests ?? 0
  failed += report.numFailedTests ?? 0
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  for (const suite of report.testResults ?? []) {
    const failedTests = (suite.assertionResults ?? []).filter(test => test.status === 'failed')
    for (const test of failedTests) {
      const reason = String(test.failureMessages?.[0] ?? '').split('\n').slice(0, 3).join(' | ')
      failures.push(`FAILED ${suite.name.replace(process.cwd() + '/', '')} > ${test.fullName}: ${reason.slice(0, 400)}`)
    }
    const hasFailedTest = failedTests.length > 0
    if (suite.status === 'failed' && !hasFailedTest) {
      console.error(`test-summary: ${suite.name} failed outside any test: ${String(suite.message ?? '').split('\n')[0]}`)
      failed += 1
    }
  }
}

// The failed tests are repeated here, just above the count, so a truncated log still names them.
for (const line of failures) console.log(line)
if (files.length === 0) console.error('test-summary: no report given')
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
