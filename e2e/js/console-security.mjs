// Console scenarios of the security pages: Network Access, Password
// Policies, Identity Verification, Health Check, and the seed's
// identity-verification policies met by a Standard session (Raise, Block).
import { base, cmd, check, newPage, shot, text, logInAs, totp, enterCode, submit, forge } from './pages.mjs';
import { save, pathOf } from './console-settings.mjs';

// ranges are the trusted ranges Network Access lists, as texts.
const ranges = (page) => page.$$eval('#ranges tbody tr', (trs) => trs.map((tr) => tr.dataset.range));

// addRange sends the "Add range" form.
async function addRange(page, start, end) {
  await page.fill('#add-start', start);
  await page.fill('#add-end', end);
  return submit(page, '#add');
}

// saved checks the page says the change was saved.
async function saved(page, what) {
  check((await text(page, '.notice')) === 'Saved.', `${what}: notice "${await text(page, '.notice')}", error "${await text(page, '.error')}"`);
}

// openSetup logs in and opens the console page at path, titled title.
async function openSetup(path, title) {
  const { page } = await newPage();
  await logInAs(page, cmd.username, cmd.password, cmd.email, false);
  await page.goto(base + path);
  check(pathOf(page) === path, `${path} led to ${page.url()}`);
  check((await text(page, 'nav.setup-nav [aria-current=page]')) === title, `the navigation should mark ${title}`);
  check((await text(page, 'h1')) === title, `the page's title: "${await text(page, 'h1')}"`);
  return page;
}

// readsBack reloads the page and checks each field's value: [selector,
// value] pairs.
async function readsBack(page, fields) {
  await page.reload();
  for (const [sel, want] of fields) {
    const v = await page.inputValue(sel);
    check(v === want, `${sel} reads back as "${v}", want "${want}"`);
  }
}

// refused checks that the answer resp has status and its page says want.
async function refused(page, resp, status, want, what) {
  check(resp.status() === status, `${what}: status ${resp.status()}, want ${status}`);
  const err = await text(page, '.error');
  check(err === want, `${what}: the page says "${err}", want "${want}"`);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export default {
  // Two ranges added, one edited, one deleted, each read back; a range
  // whose start is after its end, and an edit to mixed families, refused
  // with the policy's own text, the form kept as sent.
  async 'network-access'() {
    const page = await openSetup('/setup/network-access', 'Network Access');
    check((await page.$('#no-ranges')) !== null, 'a new org has no trusted ranges');
    await shot(page, 'empty');
    await addRange(page, '203.0.113.0', '203.0.113.255');
    await saved(page, 'the first range');
    await addRange(page, '198.51.100.7', '198.51.100.7');
    await saved(page, 'the second range');
    let got = await ranges(page);
    check(same(got, ['203.0.113.0-203.0.113.255', '198.51.100.7']), `after two adds: ${got}`);
    check((await page.inputValue('#start-1')) === '198.51.100.7' && (await page.inputValue('#end-1')) === '198.51.100.7',
      'a range of one address shows it as both ends');
    await shot(page, 'added');

    await page.fill('#end-0', '203.0.113.127');
    await submit(page, '#edit-0');
    await saved(page, 'the edit');
    await readsBack(page, [['#start-0', '203.0.113.0'], ['#end-0', '203.0.113.127']]);
    got = await ranges(page);
    check(same(got, ['203.0.113.0-203.0.113.127', '198.51.100.7']), `after the edit: ${got}`);

    await refused(page, await addRange(page, '198.51.100.20', '198.51.100.10'), 400, cmd.startAfterEnd, 'a start after the end');
    check((await page.inputValue('#add-start')) === '198.51.100.20' && (await page.inputValue('#add-end')) === '198.51.100.10',
      'the refused range should stay in the form');
    check(same(await ranges(page), got), 'a refused add changes no range');
    await shot(page, 'refused');

    await page.fill('#start-1', '198.51.100.1');
    await page.fill('#end-1', '2001:db8::1');
    await refused(page, await submit(page, '#edit-1'), 400, cmd.mixedFamilies, 'an edit to mixed families');
    check((await page.inputValue('#end-1')) === '2001:db8::1', 'the refused edit should stay in its row');
    check((await page.$('tr.na-refused[data-range="198.51.100.7"]')) !== null, 'the refused row should be marked');
    await shot(page, 'edit-refused');

    await page.goto(base + '/setup/network-access');
    await submit(page, '#delete-1');
    await saved(page, 'the delete');
    got = await ranges(page);
    check(same(got, ['203.0.113.0-203.0.113.127']), `after the delete: ${got}`);
    await shot(page, 'deleted');
  },

  // View Setup only: the ranges listed read-only, no form; a forged add
  // with the session's CSRF token is refused, naming the permission.
  async 'network-access-read-only'() {
    const page = await openSetup('/setup/network-access', 'Network Access');
    check((await page.$('#read-only')) !== null, 'a View Setup admin should be told the page is read-only');
    check(same(await ranges(page), [cmd.range]), `the ranges listed: ${await ranges(page)}`);
    check((await page.$('#add')) === null && (await page.$('#edit-0')) === null, 'no change is offered');
    await shot(page, 'page');
    const resp = await forge(page, '/setup/network-access', { do: 'delete', index: '0' });
    check(resp.status() === 403, `a forged change: status ${resp.status()}`);
    const err = await text(page, '.error');
    check(err.includes('"Customize Application"'), `a forged change: the page says "${err}"`);
    await shot(page, 'forged-refused');
  },

  // Every password setting changed and read back; a minimum length out of
  // range refused with the policy's rule, the form kept.
  async 'password-policies'() {
    const page = await openSetup('/setup/password-policies', 'Password Policies');
    await shot(page, 'page');
    await page.fill('#password-min-length', '14');
    await page.selectOption('#password-complexity', 'AlphaNumeric');
    await page.fill('#password-history', '5');
    await page.selectOption('#password-expiry', '90');
    await page.uncheck('#password-block-common');
    await save(page);
    await saved(page, 'the password policy');
    await readsBack(page, [['#password-min-length', '14'], ['#password-complexity', 'AlphaNumeric'], ['#password-history', '5'], ['#password-expiry', '90']]);
    check(!(await page.isChecked('#password-block-common')), '"block common passwords" should read back off');
    await shot(page, 'saved');
    await page.fill('#password-min-length', '7');
    await refused(page, await submit(page, '#save'), 400, cmd.lengthError, 'a length of 7');
    check((await page.inputValue('#password-min-length')) === '7', 'the refused form should be shown as it was sent');
    await shot(page, 'refused');
  },

  // One menu per area of the seed's list; three set and read back.
  async 'identity-verification'() {
    const page = await openSetup('/setup/identity-verification', 'Identity Verification');
    const areas = await page.$$eval('#areas tbody tr', (trs) => trs.map((tr) => tr.dataset.area));
    check(areas.length === 9 && areas[0] === 'manage-ip-addresses', `areas listed: ${areas}`);
    check((await text(page, 'tr[data-area=manage-ip-addresses] label')) === 'Manage IP Addresses', 'the area shows the seed\'s name');
    await shot(page, 'page');
    await page.selectOption('#manage-ip-addresses', 'raise');
    await page.selectOption('#unlock-users', 'block');
    await page.selectOption('#view-health-check', 'raise');
    await save(page);
    await saved(page, 'the policies');
    await readsBack(page, [['#manage-ip-addresses', 'raise'], ['#unlock-users', 'block'], ['#view-health-check', 'raise'], ['#manage-connected-apps', 'none']]);
    await shot(page, 'saved');
  },

  // manage-ip-addresses=raise: adding a range from a Standard session
  // leads to the step-up page; the TOTP code raises the session and comes
  // back to Network Access, where the range is added again and saved.
  async 'ip-raise'() {
    const page = await openSetup('/setup/network-access', 'Network Access');
    await addRange(page, '192.0.2.0', '192.0.2.63');
    check(pathOf(page) === '/login/step-up', `a Standard session's change led to ${page.url()}`);
    const hint = await text(page, 'p.hint');
    check(hint.includes('Needed to open ' + cmd.areaName), `the step-up page should name what it is for as Setup does: "${hint}"`);
    check((await page.$('#totp-secret')) === null, 'a user with a key is asked for a code, not to enrol');
    await shot(page, 'step-up');
    await enterCode(page, totp(cmd.totpKey));
    check(pathOf(page) === '/setup/network-access', `after the step-up: ${page.url()}; error: ${await text(page, '.error')}`);
    const notice = await text(page, '.notice');
    check(notice === 'Your session is now High Assurance: make the change again.', `the stepped-up notice: "${notice}"`);
    check((await page.$('#no-ranges')) !== null, 'nothing was saved before the step-up');
    await shot(page, 'stepped-up');
    await addRange(page, '192.0.2.0', '192.0.2.63');
    await saved(page, 'the change once raised');
    const got = await ranges(page);
    check(same(got, ['192.0.2.0-192.0.2.63']), `after the step-up: ${got}`);
    await shot(page, 'saved');
  },

  // manage-ip-addresses=block: a Standard session's change is refused
  // with a 403 naming the policy; the list stays empty.
  async 'ip-block'() {
    const page = await openSetup('/setup/network-access', 'Network Access');
    await refused(page, await addRange(page, '192.0.2.0', '192.0.2.63'), 403, cmd.blockText, 'a blocked change');
    await shot(page, 'blocked');
    await page.goto(base + '/setup/network-access');
    check((await page.$('#no-ranges')) !== null, 'a blocked change stores nothing');
  },

  // The score and a high-risk finding with its fix; the finding's link
  // opens Password Policies, where the fix is made; the score goes up.
  async 'health-check'() {
    const page = await openSetup('/setup/health-check', 'Health Check');
    const before = Number(await text(page, '#health-score'));
    check(before === cmd.scoreBefore, `score ${before}, want ${cmd.scoreBefore}`);
    check((await text(page, '#health-grade')) !== '', 'the grade should be shown');
    const f = 'section[data-severity=high] [data-code=PASSWORD_COMMON_CHECK_OFF]';
    check((await page.$(f)) !== null, 'the common-password check should be a high-risk finding');
    check((await text(page, `${f} .hc-current`)) === 'off', `its current value: "${await text(page, `${f} .hc-current`)}"`);
    const fix = await text(page, `${f} .hc-command`);
    check(fix.startsWith('lgadmin org set') && fix.includes('--password-block-common'), `its fix: "${fix}"`);
    check((await page.getAttribute(`${f} a.hc-link`, 'href')) === '/setup/password-policies', 'its link should open Password Policies');
    await shot(page, 'before');
    await Promise.all([page.waitForLoadState('load'), page.click(`${f} a.hc-link`)]);
    check(pathOf(page) === '/setup/password-policies', `the finding's link led to ${page.url()}`);
    await page.check('#password-block-common');
    await save(page);
    await saved(page, 'the fix');
    await page.goto(base + '/setup/health-check');
    const after = Number(await text(page, '#health-score'));
    check(after === cmd.scoreAfter && after > before, `score after the fix ${after}, want ${cmd.scoreAfter} (before: ${before})`);
    check((await page.$(f)) === null, 'the fixed setting is no longer a finding');
    check((await page.$('.hc-met tr[data-code=PASSWORD_COMMON_CHECK_OFF]')) !== null, 'it is listed among the settings met');
    await shot(page, 'after');
  },
};
