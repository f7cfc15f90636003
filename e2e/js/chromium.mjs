// launchChromium starts Debian's headless Chromium for the end-to-end
// harnesses, with the flags they all use. Chromium at times dies during
// its own start-up on a loaded machine (SIGSEGV before its first page:
// "Target page, context or browser has been closed" from launch), before
// any page of ours is involved; such a start is tried again, up to three
// times. A failure after the start is the test's, never retried.
import { chromium } from 'playwright-core';

const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function launchChromium(executablePath) {
  let last;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await chromium.launch({ executablePath: executablePath || '/usr/bin/chromium', args });
    } catch (e) {
      last = e;
      process.stderr.write(`chromium did not start (attempt ${attempt}): ${String(e.message || e).split('\n')[0]}\n`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  throw last;
}
