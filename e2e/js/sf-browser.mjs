// The browser the Salesforce CLI opens for `sf org login web`: it runs
// $BROWSER URL (e2e/js/sf-browser.sh, which starts this in the background
// and exits, as the CLI waits for it to exit before it listens). Drives
// Debian's headless Chromium with playwright-core through our login page
// (an emailed verification code when one is asked, read from the SES
// stand-in), the approval page, and back to the CLI's callback, then
// waits for the CLI's /OauthSuccess page. Writes {"ok":...,"steps":[...]}
// to $SF_E2E_OUT. Input: argv[2] the URL; the rest from the environment:
// SF_E2E_USERNAME, SF_E2E_PASSWORD, SF_E2E_SES, SF_E2E_CHROMIUM, SF_E2E_ARTIFACTS.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';

const url = process.argv[2];
const env = process.env;
const out = { ok: true, steps: [], url };

async function shot(page, name) {
  mkdirSync(env.SF_E2E_ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(env.SF_E2E_ARTIFACTS, `sf-login-${name}.png`), fullPage: true });
  out.steps.push(name + ' ' + new URL(page.url()).pathname);
}

async function codeFromMail(since) {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${env.SF_E2E_SES}/store?since=${since}`);
    const j = await r.json();
    const mails = (j.emails || []).filter((m) => (m.destination?.to || []).includes(env.SF_E2E_USERNAME));
    for (const m of mails.reverse()) {
      const found = /Verification code: (\d{6,})/.exec(m.body?.text || '');
      if (found) return found[1];
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('no verification mail');
}

let browser;
try {
  browser = await launchChromium(env.SF_E2E_CHROMIUM || '/usr/bin/chromium');
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await shot(page, 'login');
  const since = Math.floor(Date.now() / 1000) - 1;
  await page.fill('#username', env.SF_E2E_USERNAME);
  await page.fill('#password', env.SF_E2E_PASSWORD);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  if (new URL(page.url()).pathname === '/login/verify') {
    await shot(page, 'verify');
    await page.fill('#code', await codeFromMail(since));
    await Promise.all([page.waitForLoadState('load'), page.click('form.form button[type=submit]')]);
  }
  if (await page.$('#approve-form')) {
    await shot(page, 'approve');
    // The CLI listens on its callback only once this script's launcher
    // exited; the page that returns to it refreshes at once.
    await Promise.all([page.waitForURL((u) => u.port === '1717', { timeout: 60000 }), page.click('#allow')]);
  }
  await page.waitForURL((u) => u.pathname === '/OauthSuccess', { timeout: 60000 });
  await shot(page, 'success');
  out.final = page.url();
} catch (e) {
  out.ok = false;
  out.error = String(e.stack || e);
} finally {
  if (browser) await browser.close();
  writeFileSync(env.SF_E2E_OUT, JSON.stringify(out));
}
