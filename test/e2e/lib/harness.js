// A tiny sequential test harness for the end-to-end suite: named checks, one result line each, a closing line
// "N passed, N failed, N skipped". Checks after a failed prerequisite are skipped, with the reason.
'use strict';

class Harness {
  constructor() {
    this.results = [];
    this.blockedBy = undefined;
    /** Called with the check's name after a failure (e.g. to take a screenshot). */
    this.onFailure = async () => undefined;
  }

  /** Runs `fn`; `requires` true means later checks cannot run if this one fails. */
  async check(name, fn, { requires = false } = {}) {
    if (this.blockedBy) {
      this.record('SKIP', name, `needs "${this.blockedBy}", which failed`);
      return false;
    }
    const started = Date.now();
    try {
      await fn();
      this.record('PASS', name, `${((Date.now() - started) / 1000).toFixed(1)} s`);
      return true;
    } catch (err) {
      if (err instanceof Skip) {
        this.record('SKIP', name, err.message);
        return false;
      }
      this.record('FAIL', name, err && err.stack ? err.stack.split('\n').slice(0, 4).join('\n    ') : String(err));
      if (requires) this.blockedBy = name;
      await this.onFailure(name).catch(() => undefined);
      return false;
    }
  }

  /** Ends the running check as SKIP with `reason` (a machine lacks what it needs; never a silent pass). */
  skip(reason) {
    throw new Skip(reason);
  }

  record(status, name, detail) {
    this.results.push({ status, name, detail });
    console.log(`${status} ${name}${detail ? ` (${detail})` : ''}`);
  }

  counts() {
    const count = (s) => this.results.filter((r) => r.status === s).length;
    return { passed: count('PASS'), failed: count('FAIL'), skipped: count('SKIP') };
  }

  closingLine() {
    const { passed, failed, skipped } = this.counts();
    return `${passed} passed, ${failed} failed, ${skipped} skipped`;
  }
}

class Skip extends Error {}

/** Throws with `message` and the actual value when `condition` is false. */
function expect(condition, message, actual) {
  if (!condition) throw new Error(actual === undefined ? message : `${message}; got ${JSON.stringify(actual)}`);
}

module.exports = { Harness, expect };
