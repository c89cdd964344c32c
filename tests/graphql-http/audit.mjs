#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit (the `graphql-http` package's server audits)
// against a running server.
//
//   cd tests/graphql-http && npm ci && node audit.mjs http://127.0.0.1:PORT/graphql [--strict]
//
// One line per audit, in the package's order:
//   <status> <id> <name>[ — <reason> (HTTP <code>)]
// status is ok, warn (a failed SHOULD), error (a failed MUST, or the audit could not
// run: connection refused, timeout, …) or notice (a failed MAY: optional, not counted
// as a failure unless --strict). Then the closing line `N passed, M failed`, where
// passed counts ok results and failed counts warn and error results (and notices
// with --strict). Exit status: 0 if nothing failed, 1 otherwise, 2 on bad usage.
// The whole run is bounded by a 60 s timeout and every request by a 15 s one.

import { serverAudits } from 'graphql-http';

const OVERALL_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const url = args.find((a) => !a.startsWith('--'));
if (!url || args.some((a) => a.startsWith('--') && a !== '--strict')) {
  console.error('usage: node audit.mjs <server URL, e.g. http://127.0.0.1:8080/graphql> [--strict]');
  process.exit(2);
}
try {
  new URL(url);
} catch {
  console.error(`not a URL: ${url}`);
  process.exit(2);
}

// Node 20's global fetch, with a per-request timeout so one stuck request cannot
// eat the whole budget.
const fetchFn = (input, init = {}) =>
  fetch(input, {
    ...init,
    signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });

const audits = serverAudits({ url, fetchFn });
const results = [];
let passed = 0;
let failed = 0;
let notices = 0;
let finished = false;

const oneLine = (s) => String(s).replace(/\s+/g, ' ').trim();

function describeError(err) {
  // fetch() failures are `TypeError: fetch failed` with the real cause attached.
  let msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  let cause = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; cause && depth < 3; depth++) {
    msg += ` (${cause instanceof Error ? cause.code ?? cause.message : String(cause)})`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return oneLine(msg);
}

function report(result) {
  results.push(result);
  let line = `${result.status} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    line += ` — ${oneLine(result.reason ?? 'no reason given')}`;
    if (result.response && typeof result.response.status === 'number') {
      line += ` (HTTP ${result.response.status})`;
    }
  }
  console.log(line);
  if (result.status === 'ok') passed++;
  else if (result.status === 'notice' && !strict) notices++;
  else failed++;
}

function finish() {
  if (finished) return;
  finished = true;
  if (notices > 0) {
    console.log(`${notices} notice(s): optional MAY audits not met, not counted (use --strict to count them)`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

const overall = setTimeout(() => {
  const done = new Set(results.map((r) => r.id));
  for (const a of audits) {
    if (!done.has(a.id)) {
      report({ id: a.id, name: a.name, status: 'error', reason: `not finished within the overall ${OVERALL_TIMEOUT_MS / 1000} s timeout` });
    }
  }
  finish();
  process.exit(process.exitCode);
}, OVERALL_TIMEOUT_MS);

// Sequential on purpose: deterministic order, and no burst that a rate limiter
// could answer with 429s.
for (const audit of audits) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // graphql-http throws (instead of returning a result) when the audit could not
    // run at all, e.g. the connection was refused or the body was not readable.
    result = { id: audit.id, name: audit.name, status: 'error', reason: `audit could not run: ${describeError(err)}` };
  }
  if (finished) break;
  report(result);
}
clearTimeout(overall);
finish();
