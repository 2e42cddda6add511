/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium`) driven by playwright-core,
 * with the flags a closed network needs. It renders the sample estate's report, checks what a reader sees
 * first, uses the filter box, proves the file fetches nothing, and saves screenshots under test/artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runWarden } from '../support/cli';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];
const executablePath = CANDIDATES.find((p) => existsSync(p));
if (!executablePath)
  console.warn(
    `test/browser skipped: no Chromium at ${CANDIDATES.join(', ')} (install Debian's 'chromium' package: apt-get install -y chromium)`,
  );

const ARTIFACTS = resolve('test/artifacts');

/** The sample's own JSON report: what the HTML must show. */
async function sampleJson(): Promise<{
  score: { overall: { compliant: number; inScope: number; percent: number } };
  vms: { name: string }[];
}> {
  return JSON.parse((await runWarden(['plan', '--snapshot', 'samples/sample-estate.json', '--format', 'json'])).stdout);
}
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!executablePath)('the HTML report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-browser-'));
  const file = join(dir, 'report.html');
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const r = await runWarden(['plan', '--snapshot', 'samples/sample-estate.json', '--format', 'html', '--out', file]);
    expect(r.code).toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    // A persistent context is how playwright takes a fresh --user-data-dir.
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: executablePath as string,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    context.on('request', (req) => requests.push(req.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(pathToFileURL(file).href);
  });

  afterAll(async () => {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('states the score first: how many VMs in scope are compliant', async () => {
    const { score } = await sampleJson();
    const pct = `${score.overall.percent.toFixed(1)}%`;
    expect(await page.title()).toContain(`VM backup compliance ${pct}`);
    expect(await page.locator('#score').textContent()).toBe(pct);
    expect(await page.locator('header p').textContent()).toContain(
      `${score.overall.compliant} of ${score.overall.inScope} VMs in scope are compliant`,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });
  });

  it('draws the charts, the coverage matrix and the paths, with the deciding rule and the planned rule', async () => {
    const json = await runWarden(['plan', '--snapshot', 'samples/sample-estate.json', '--format', 'json']);
    const { openByRule } = (JSON.parse(json.stdout) as { summary: { openByRule: Record<string, number> } }).summary;
    expect(await page.locator('svg[aria-label="open findings by rule"] rect').count()).toBe(
      Object.keys(openByRule).length,
    );
    expect(await page.locator('svg[aria-label="open findings by region"] rect').count()).toBe(3);
    expect(await page.locator('table.matrix td.cov-none').count()).toBeGreaterThan(0);
    const sql = page.locator('#path-nsg-blocks-backup-egress-vm-sql-eus-01');
    await expect
      .poll(() => sql.locator('tr.decides-deny').first().textContent())
      .toContain('Deny-Storage-Exfiltration');
    expect(await sql.textContent()).toContain('not fixed automatically');
    const app = page.locator('#path-nsg-blocks-backup-egress-vm-app-eus-04');
    expect(await app.locator('tr.planned').textContent()).toContain('AllowAzureBackupStorage-EastUS');
    expect(await app.locator('tr.decides-deny').first().textContent()).toContain('Deny-Internet-Outbound');
  });

  it('lists every VM, compliant ones too, and the filter box narrows the table', async () => {
    const rows = page.locator('#vm-table tbody tr');
    const { vms } = await sampleJson();
    const n = vms.length;
    const jpe = vms.filter((v) => v.name.includes('jpe')).length;
    expect(jpe).toBeGreaterThan(1);
    expect(await rows.count()).toBe(n);
    expect(await page.locator('#vm-count').textContent()).toBe(`${n} of ${n} VMs`);
    await page.fill('#vm-filter', 'jpe');
    expect(await page.locator('#vm-count').textContent()).toBe(`${jpe} of ${n} VMs`);
    expect(await page.locator('#vm-table tbody tr:visible').count()).toBe(jpe);
    await page.locator('#vm-table').screenshot({ path: join(ARTIFACTS, 'report-filtered.png') });
    await page.fill('#vm-filter', '');
    await page.click('.filters button[data-verdict="compliant"]');
    expect(await page.locator('#vm-table tbody tr:visible td:nth-child(2) b').allTextContents()).toEqual([
      'vm-app-eus-01',
      'vm-app-eus-02',
      'vm-app-weu-01',
    ]);
    await page.click('.filters button[data-verdict="all"]');
  });

  it('fetches nothing beyond the file itself and logs no error', async () => {
    await page.screenshot({ path: join(ARTIFACTS, 'report-full.png'), fullPage: true });
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
