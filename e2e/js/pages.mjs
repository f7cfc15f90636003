// The harness of the Chromium scripts (browser.mjs, console.mjs):
// playwright-core on Debian's headless Chromium. Input: one JSON object as
// argv[2] (cmd); output: one JSON object on stdout ({"ok":true,...} or
// {"ok":false,"error":"..."}). Screenshots go to cmd.artifacts. Codes are
// read from the SES stand-in's mail store or computed from the TOTP key
// shown on the page; session ids never leave the browser.
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';

export const cmd = JSON.parse(process.argv[2]);
export const base = cmd.baseUrl;
export const out = { ok: true, steps: [] };

export class Failure extends Error {}
export function check(cond, msg) {
  if (!cond) throw new Failure(msg);
}

export let browser;
export async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  return { context, page };
}

export async function shot(page, name) {
  mkdirSync(cmd.artifacts, { recursive: true });
  await page.screenshot({ path: join(cmd.artifacts, `${cmd.scenario}-${name}.png`), fullPage: true });
  out.steps.push(name);
}

export async function text(page, sel) {
  const el = await page.$(sel);
  return el ? (await el.innerText()).trim() : '';
}

export const nowSec = () => Math.floor(Date.now() / 1000) - 1;

export async function submitLogin(page, username, password) {
  await page.goto(base + '/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}

// logIn logs in, entering the emailed verification code if one is asked.
export async function logIn(page, username, password) {
  const since = nowSec();
  await submitLogin(page, username, password);
  if (new URL(page.url()).pathname === '/login/verify') {
    await enterCode(page, await codeFromMail(since, cmd.email));
  }
}

export async function expectHome(page, what) {
  check(new URL(page.url()).pathname === '/', `${what}: landed on ${page.url()}, not the home page; error: ${await text(page, '.error')}`);
  check((await text(page, '#username')).toLowerCase() === cmd.username.toLowerCase(), `${what}: home page does not name the user`);
}

// The newest mail to `to` sent after `since` (epoch seconds), from the SES stand-in.
export async function mailTo(to, since) {
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${cmd.sesUrl}/store?since=${since}`);
    const j = await r.json();
    const mails = (j.emails || []).filter((m) => (m.destination?.to || []).includes(to));
    if (mails.length) return mails[mails.length - 1];
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Failure(`no mail reached ${to}`);
}

export async function codeFromMail(since, to = cmd.email) {
  const m = await mailTo(to, since);
  const found = /Verification code: (\d{6,})/.exec(m.body?.text || '');
  check(found, 'the verification mail has no code in its text');
  return found[1];
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 key.
export function totp(key, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of key.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac('sha1', bytes).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h.readUInt32BE(o) & 0x7fffffff) % 1e6).toString();
  return n.padStart(6, '0');
}

export async function enterCode(page, code) {
  await page.fill('#code', code);
  await Promise.all([page.waitForLoadState('load'), page.click('form.form button[type=submit]')]);
}

export async function logout(page) {
  await Promise.all([page.waitForLoadState('load'), page.click('#logout-form button[type=submit]')]);
  check(new URL(page.url()).pathname === '/login', `logout landed on ${page.url()}`);
}


// setNewPassword fills the new-password form (forced change or reset) and sends it.
export async function setNewPassword(page, form, pw, confirm = pw) {
  await page.fill(`${form} #new`, pw);
  await page.fill(`${form} #confirm`, confirm);
  await Promise.all([page.waitForLoadState('load'), page.click(`${form} button[type=submit]`)]);
}

export async function logInAs(page, username, password, email, remember) {
  const since = nowSec();
  await page.goto(base + '/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  if (remember) await page.check('#remember');
  await Promise.all([page.waitForLoadState('load'), page.click('#login-form button[type=submit]')]);
  if (new URL(page.url()).pathname === '/login/verify') {
    await enterCode(page, await codeFromMail(since, email));
  }
  check(new URL(page.url()).pathname === '/', `${username}: landed on ${page.url()}; error: ${await text(page, '.error')}`);
  check((await text(page, '#username')).toLowerCase() === username.toLowerCase(), `the home page does not name ${username}`);
}

// submit clicks sel and waits for the page it leads to; the answer of
// that page (after a redirect, the page redirected to).
export async function submit(page, sel) {
  const [resp] = await Promise.all([page.waitForNavigation(), page.click(sel)]);
  return resp;
}

// forge posts a form the page does not offer (a forged request) to
// action, with fields and the session's own CSRF token, and returns the
// answer of the page it leads to.
export async function forge(page, action, fields) {
  const csrf = await page.getAttribute('#logout-form input[name=csrf]', 'value');
  const [resp] = await Promise.all([page.waitForNavigation(), page.evaluate(([to, all]) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = to;
    for (const [k, v] of Object.entries(all)) {
      const i = document.createElement('input');
      i.type = 'hidden';
      i.name = k;
      i.value = v;
      form.appendChild(i);
    }
    document.body.appendChild(form);
    form.submit();
  }, [action, { csrf, ...fields }])]);
  return resp;
}

// run runs the scenario cmd names, in a Chromium of its own, and prints
// the outcome as one JSON line.
export async function run(scenarios) {
  try {
    browser = await launchChromium(cmd.chromium || '/usr/bin/chromium');
    const scenario = scenarios[cmd.scenario];
    if (!scenario) throw new Failure(`unknown scenario ${cmd.scenario}`);
    await scenario();
  } catch (e) {
    out.ok = false;
    out.error = e instanceof Failure ? e.message : String(e.stack || e);
  } finally {
    if (browser) await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
