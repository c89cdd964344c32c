// Opens the dashboard and GraphiQL of a server with demo data in Debian's
// headless Chromium (driven by playwright-core) and checks what a person would:
// no request leaves 127.0.0.1, no console error, the headline figures equal
// programmeOverview, a signed-in official sees the private counts, the page fits a
// phone and answers the keyboard, and a query typed into GraphiQL returns data.
// Screenshots go to the directory given (ignored by git).
//
//   node dashboard.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
//
// Exits 0 when every check holds; otherwise prints what failed and exits 1.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node dashboard.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  console.log(`${ok ? 'ok' : 'FAILED'} - ${what}`);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

const blocked = [];
const consoleErrors = [];
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
await context.route('**/*', (route) => {
  const url = new URL(route.request().url());
  if (url.hostname === '127.0.0.1' || url.protocol === 'data:') {
    return route.continue();
  }
  blocked.push(url.href);
  return route.abort('blockedbyclient');
});
context.on('page', (page) => watch(page));
const watch = (page) => {
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
};

const api = async (query, token) => {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return (await response.json()).data;
};

try {
  const page = await context.newPage();

  // The dashboard, anonymous.
  await page.goto(`${base}/dashboard`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 90000 });
  const shown = await page.$$eval('#headline [data-figure]', (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.dataset.figure, n.dataset.value])),
  );
  const { programmeOverview: o } = await api(
    '{ programmeOverview { specialCommunes specialCommunesAtNewRuralStandard twinnedSpecialCommunes partners contributions { count pledged disbursed } dialoguesHeld agendaItems agendaItemsAnswered agendaItemsOverdue } }',
  );
  const expected = {
    specialCommunes: o.specialCommunes,
    specialCommunesAtNewRuralStandard: o.specialCommunesAtNewRuralStandard,
    twinnedSpecialCommunes: o.twinnedSpecialCommunes,
    partners: o.partners,
    contributions: o.contributions.count,
    pledged: o.contributions.pledged,
    disbursed: o.contributions.disbursed,
    dialoguesHeld: o.dialoguesHeld,
    agendaItems: o.agendaItems,
    agendaItemsAnswered: o.agendaItemsAnswered,
    agendaItemsOverdue: o.agendaItemsOverdue,
  };
  for (const [key, value] of Object.entries(expected)) {
    check(shown[key] === String(value), `headline ${key} is ${value} (page: ${shown[key]})`);
  }
  const disbursedText = await page.textContent('[data-figure="disbursed"]');
  const billions = (Math.round(Number(o.contributions.disbursed) / 1e8) / 10).toFixed(1).replace('.', ',');
  check(disbursedText.includes(`${billions} tỷ đồng`), `disbursed reads "${billions} tỷ đồng" (${disbursedText})`);
  const grouped = o.contributions.disbursed.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  check(disbursedText.includes(`${grouped} đ`), `disbursed reads "${grouped} đ" exactly`);
  check(await page.isHidden('#private'), 'anonymous visitors see no private counts');
  check((await page.$$('svg[role="img"]')).length >= 4, 'the charts are drawn as SVG');
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });

  // The keyboard: the first Tab reaches the skip link, which leads to the content.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement?.classList.contains('skip')), 'the first Tab reaches the skip link');
  await page.keyboard.press('Enter');
  check(await page.evaluate(() => document.activeElement?.id === 'noi-dung'), 'the skip link moves focus to the content');

  // A phone's width: nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the page fits a phone's width (overflow ${overflow}px)`);
  await page.screenshot({ path: join(shots, 'dashboard-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Signed in as an official: the private counts appear, equal to the API's.
  await page.fill('#email', 'canbo@demo.donghanh.vn');
  await page.fill('#password', 'dong-hanh-demo-2026');
  await page.press('#password', 'Enter');
  await page.waitForSelector('#private:not([hidden])', { timeout: 90000 });
  await page.waitForSelector('body[data-state="ready"]', { timeout: 90000 });
  const token = await page.evaluate(() => sessionStorage.getItem('donghanh.token'));
  const counts = await api(
    '{ submitted: agendaItems(first: 0, filter: {statuses: [SUBMITTED]}) { totalCount } auditEvents(first: 0) { totalCount } }',
    token,
  );
  const privateShown = await page.$$eval('#private [data-figure]', (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.dataset.figure, n.dataset.value])),
  );
  check(
    privateShown.submitted === String(counts.submitted.totalCount) && counts.submitted.totalCount > 0,
    `an official sees ${counts.submitted.totalCount} submitted items (page: ${privateShown.submitted})`,
  );
  check(privateShown.auditEvents === String(counts.auditEvents.totalCount), 'an official sees the audit count');
  await page.screenshot({ path: join(shots, 'dashboard-official.png'), fullPage: true });

  // GraphiQL: a query typed into the editor returns data.
  const graphiql = await context.newPage();
  await graphiql.goto(`${base}/graphql`);
  await graphiql.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 90000 });
  const guide = await graphiql.textContent('.graphiql-query-editor');
  check(guide.includes('canbo@demo.donghanh.vn'), 'GraphiQL opens on the guided example with the demo sign-ins');
  await graphiql.click('.graphiql-query-editor .CodeMirror');
  await graphiql.keyboard.press('Control+A');
  await graphiql.keyboard.press('Delete');
  await graphiql.keyboard.type('{ programmeOverview { specialCommunes dialoguesHeld } }');
  await graphiql.keyboard.press('Control+Enter');
  await graphiql.waitForFunction(
    () => document.querySelector('.graphiql-response')?.textContent.includes('"specialCommunes"'),
    null,
    { timeout: 90000 },
  );
  const result = await graphiql.textContent('.graphiql-response');
  check(result.includes(`"specialCommunes": ${o.specialCommunes}`), 'the typed query returns programmeOverview');
  await graphiql.screenshot({ path: join(shots, 'graphiql.png') });

  check(blocked.length === 0, `no request leaves 127.0.0.1 (${blocked.join(', ')})`);
  check(consoleErrors.length === 0, `no console error (${consoleErrors.join(' | ')})`);
} catch (error) {
  failures.push(String(error?.stack || error));
  console.log(`FAILED - ${error?.stack || error}`);
  for (const [at, open] of context.pages().entries()) {
    const state = await open
      .evaluate(() => `${document.body?.dataset.state} ${document.getElementById('status')?.textContent ?? ''}`)
      .catch(() => 'unreadable');
    console.log(`page ${at} ${open.url()}: ${state}`);
    await open.screenshot({ path: join(shots, `failure-${at}.png`), fullPage: true }).catch(() => {});
  }
  console.log(`console errors: ${consoleErrors.join(' | ')}; blocked: ${blocked.join(', ')}`);
} finally {
  await browser.close();
}

console.log(`${failures.length === 0 ? 'all' : failures.length} ${failures.length === 0 ? 'checks passed' : 'checks failed'}`);
process.exit(failures.length === 0 ? 0 : 1);
