// Names the suites left out because a Debian package is missing, and how to
// install it. Runs in jest's main process; the suites (in workers) append to a
// file whose path is handed to them through the environment.
const { readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

class LeftOutReporter {
  constructor() {
    this.file = path.join(os.tmpdir(), `axios-ws-auth-left-out-${process.pid}.jsonl`);
    rmSync(this.file, { force: true });
    process.env.AXIOS_WS_AUTH_LEFT_OUT_FILE = this.file;
  }

  onRunComplete() {
    let lines = [];
    try {
      lines = readFileSync(this.file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
    } catch {
      return;
    } finally {
      rmSync(this.file, { force: true });
    }
    if (lines.length === 0) return;
    const byPackage = new Map();
    for (const { suite, binary, pkg } of lines) {
      const entry = byPackage.get(pkg) ?? { binary, suites: new Set() };
      entry.suites.add(suite);
      byPackage.set(pkg, entry);
    }
    const out = ['', 'Suites left out because a package is missing on this machine:'];
    for (const [pkg, { binary, suites }] of byPackage) {
      out.push(`  ${binary} not found — left out: ${[...suites].sort().join(', ')}`);
      out.push(`    install it with: sudo apt-get install -y ${pkg}   (then run npm test again)`);
    }
    out.push('CI (.ci/run) installs these packages first and runs every suite.', '');
    process.stderr.write(out.join('\n') + '\n');
  }
}

module.exports = LeftOutReporter;
