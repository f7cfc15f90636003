// Console scenarios of "Why?" (a login-history line explained) and
// Preview (a settings change replayed on the last day's logins before it
// is saved) (e2e/console_why_test.go).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { base, cmd, check, newPage, shot, text, logInAs } from './pages.mjs';

// follow clicks sel and waits for the page it leads to; it answers that page's response.
async function follow(page, sel) {
  const [resp] = await Promise.all([page.waitForNavigation(), page.click(sel)]);
  return resp;
}

// cap is a rule's name as the page heads it (admin's names start lower case).
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// preview is the Preview's answer as the page shows it.
async function preview(page) {
  const el = await page.$('#replay-preview');
  check(el, `no preview on the page; error: "${await text(page, '.error')}", notice: "${await text(page, '.notice')}"`);
  check((await text(page, '.notice')) === '', 'a preview saves nothing, so it has no "saved" notice');
  const n = async (k) => Number(await el.getAttribute('data-' + k));
  return {
    title: await text(page, '#preview-title'),
    headline: await text(page, '#preview-headline'),
    lines: await n('lines'), replayed: await n('replayed'), refused: await n('refused'), allowed: await n('allowed'), changed: await n('changed'),
    rules: await page.$$eval('#preview-rules tr.why-change', (rows) => rows.map((r) => ({
      from: r.dataset.from, to: r.dataset.to, rule: r.dataset.rule, count: Number(r.dataset.count) }))),
    examples: await page.$$eval('#preview-examples li.why-example', (lis) => lis.map((li) => ({
      user: li.dataset.user, would: li.dataset.would, at: li.querySelector('.why-when').textContent.trim() }))),
  };
}

const rangeRows = (page, sel) => page.$$eval(sel, (rows) => rows.map((r) => r.dataset.range));

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export default {
  // The refused line's Why? (its summary and trace exactly as admin.Explain
  // says them), then three previews (a profile's IP range, its login hours,
  // a trusted range), each with the form kept as typed and nothing saved.
  async 'why'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/login-history?user=' + encodeURIComponent(cmd.bob));
    const lines = await page.$$eval('#history-table tr.lh-line', (trs) => trs.map((tr) => ({
      status: tr.dataset.status, href: tr.querySelector('a.lh-why')?.getAttribute('href') })));
    check(lines.length === 4 && lines.every((l) => l.href), `bob's 4 lines, each with a Why? link: ${JSON.stringify(lines)}`);
    const failed = lines.filter((l) => l.status === 'Failed');
    check(failed.length === 1, `bob's one refused line: ${JSON.stringify(failed)}`);
    const href = failed[0].href;
    check(href.includes('%23') && decodeURIComponent(href) === '/setup/login-history/' + cmd.lineId, `the refused line's link ${href} should name ${cmd.lineId}, its '#' escaped`);
    await shot(page, 'history');

    let resp = await follow(page, `a.lh-why[href="${href}"]`);
    check(resp.status() === 200 && decodeURIComponent(new URL(page.url()).pathname) === '/setup/login-history/' + cmd.lineId, `the Why? page: ${resp.status()} ${page.url()}`);
    const summary = await text(page, '#why-summary');
    check(summary === cmd.summary, `the answer: "${summary}", want "${cmd.summary}"`);
    const trace = await page.$$eval('#why-trace tbody tr.why-step', (rows) => rows.map((r) => ({
      rule: r.querySelector('.why-rule').textContent.trim(), outcome: r.dataset.outcome, detail: r.querySelector('.why-detail').textContent.trim() })));
    const want = cmd.trace.map((s) => ({ rule: cap(s.rule), outcome: s.outcome, detail: s.detail }));
    check(JSON.stringify(trace) === JSON.stringify(want), `the trace:\n${JSON.stringify(trace)}\nwant\n${JSON.stringify(want)}`);
    check((await text(page, '#why-ip')) === '203.0.113.9' && (await text(page, '#why-at')).match(/ CET$/), `the facts: ${await text(page, '#why')}`);
    check((await text(page, 'nav.setup-nav [aria-current=page]')) === 'Login History', 'the navigation should mark Login History');
    await shot(page, 'why');

    for (const bad of [encodeURIComponent('2020-01-01T00:00:00Z#00'), encodeURIComponent('not-a-line'), encodeURIComponent(cmd.lineId.replace(/#.*/, '#0'))]) {
      resp = await page.goto(base + '/setup/login-history/' + bad);
      check(resp.status() === 404 && (await text(page, '.error')).includes('no such line'), `${bad}: ${resp.status()} "${await text(page, '.error')}"`);
    }
    await shot(page, 'no-such-line');

    const previews = {};
    await page.goto(base + '/setup/profiles/' + cmd.profileId);
    await page.fill('#edit-range-0 input[name=end]', '198.51.100.7');
    resp = await follow(page, '#edit-range-0 button[name=preview]');
    check(resp.status() === 200, `the range's preview: ${resp.status()} ${await text(page, '.error')}`);
    previews['edit-range'] = await preview(page);
    check(previews['edit-range'].title === 'Preview of changing the login IP range 198.51.100.0-198.51.100.63 to 198.51.100.0-198.51.100.7: not saved', `the preview's title: "${previews['edit-range'].title}"`);
    check((await page.inputValue('#edit-range-0 input[name=end]')) === '198.51.100.7', 'the previewed range stays as typed');
    check(JSON.stringify(await rangeRows(page, '#range-list tr[data-range]')) === '["198.51.100.0-198.51.100.63"]', 'the range is not changed');
    await page.locator('#ranges').scrollIntoViewIfNeeded();
    await shot(page, 'preview-range');

    await page.goto(base + '/setup/profiles/' + cmd.profileId);
    for (const d of days) await page.selectOption('#mode-' + d, 'none');
    resp = await follow(page, '#preview-hours');
    check(resp.status() === 200, `the hours' preview: ${resp.status()} ${await text(page, '.error')}`);
    previews.hours = await preview(page);
    check((await page.inputValue('#mode-mon')) === 'none' && (await page.inputValue('#mode-sun')) === 'none', 'the previewed hours stay as chosen');
    check((await text(page, '#hours-summary')).startsWith('No login hours'), `the hours are not saved: ${await text(page, '#hours-summary')}`);
    await shot(page, 'preview-hours');

    await page.goto(base + '/setup/network-access');
    await page.fill('#add-start', '203.0.113.255');
    await page.fill('#add-end', '203.0.113.0');
    resp = await follow(page, '#preview-add');
    const refusal = await text(page, '.error');
    check(resp.status() === 400 && refusal !== '' && (await page.$('#replay-preview')) === null, `a reversed range's preview: ${resp.status()} "${refusal}"`);
    check((await page.inputValue('#add-start')) === '203.0.113.255', 'the refused preview keeps the form as typed');
    await shot(page, 'preview-refused');
    await page.fill('#add-start', '203.0.113.0');
    await page.fill('#add-end', '203.0.113.255');
    resp = await follow(page, '#preview-add');
    check(resp.status() === 200, `the trusted range's preview: ${resp.status()} ${await text(page, '.error')}`);
    previews.trusted = await preview(page);
    check(previews.trusted.title === 'Preview of adding the trusted IP range 203.0.113.0-203.0.113.255: not saved', `the preview's title: "${previews.trusted.title}"`);
    check((await page.inputValue('#add-start')) === '203.0.113.0' && (await page.inputValue('#add-end')) === '203.0.113.255', 'the previewed range stays as typed');
    check((await page.$('#no-ranges')) !== null, 'no trusted range was added');
    await shot(page, 'preview-trusted');

    mkdirSync(cmd.artifacts, { recursive: true });
    writeFileSync(join(cmd.artifacts, 'why-result.json'), JSON.stringify({ previews }));
  },

  // A previewed range change, then saved from the same form.
  async 'why-save'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/profiles/' + cmd.profileId);
    await page.fill('#edit-range-0 input[name=end]', '198.51.100.7');
    await follow(page, '#edit-range-0 button[name=preview]');
    await preview(page);
    await follow(page, '#edit-range-0 button:not([name])');
    const notice = await text(page, '.notice');
    check(notice === 'IP range saved.', `after Save: "${notice}" ${await text(page, '.error')}`);
    check((await page.$('#replay-preview')) === null, 'no preview after a save');
    check(JSON.stringify(await rangeRows(page, '#range-list tr[data-range]')) === '["198.51.100.0-198.51.100.7"]', 'the range is saved');
    await shot(page, 'saved');
  },
};
