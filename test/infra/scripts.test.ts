/**
 * The azd hook scripts parse with the real shells' parsers: every .ps1 with PowerShell's own parser
 * ([System.Management.Automation.Language.Parser]::ParseFile, 0 errors), every .sh with `bash -n` and shellcheck;
 * .ci/run with shellcheck too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, INFRA, rel, ROOT } from './checks';
import { findPwsh, findShellcheck } from './tools';

const scripts = filesUnder(join(INFRA, 'scripts'));
const ps1 = scripts.filter((f) => f.endsWith('.ps1'));
const sh = scripts.filter((f) => f.endsWith('.sh'));

/**
 * PowerShell's parse errors of the files given as arguments, one line each (path:line:column: message). It runs as a
 * script file (`-File`): the scripts under test are only parsed, never run.
 */
const PARSE = `
$ErrorActionPreference = 'Stop'
foreach ($path in $args) {
  $tokens = $null; $errors = $null
  [System.Management.Automation.Language.Parser]::ParseFile($path, [ref]$tokens, [ref]$errors) | Out-Null
  foreach ($e in $errors) { "{0}:{1}:{2}: {3}" -f $path, $e.Extent.StartLineNumber, $e.Extent.StartColumnNumber, $e.Message }
}
`;

describe('the hook scripts', () => {
  it('are PowerShell and POSIX pairs', () => {
    expect(ps1.length).toBeGreaterThan(0);
    expect(ps1.map((f) => f.replace(/\.ps1$/, ''))).toEqual(sh.map((f) => f.replace(/\.sh$/, '')));
  });

  it.each(sh.map(rel))('%s passes bash -n', (file) => {
    const r = spawnSync('bash', ['-n', join(ROOT, file)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  describe.skipIf(!findShellcheck())('shellcheck', () => {
    it('finds nothing in any .sh script', () => {
      const r = spawnSync(findShellcheck() as string, ['--format=gcc', '--shell=sh', ...sh], { encoding: 'utf8' });
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([]);
      expect(r.status).toBe(0);
    });

    it('finds nothing in .ci/run (bash)', () => {
      const r = spawnSync(findShellcheck() as string, ['--format=gcc', '--shell=bash', join(ROOT, '.ci/run')], {
        encoding: 'utf8',
      });
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([]);
      expect(r.status).toBe(0);
    });

    it('would report a real problem (an unquoted variable)', () => {
      const r = spawnSync(findShellcheck() as string, ['--format=gcc', '--shell=sh', '-'], {
        input: '#!/bin/sh\nrm -rf $1/tmp\n',
        encoding: 'utf8',
      });
      expect(r.stdout).toMatch(/SC2086/);
    });
  });

  describe.skipIf(!findPwsh())('PowerShell 7 parser', () => {
    const parse = (files: string[]): string[] => {
      const parser = join(mkdtempSync(join(tmpdir(), 'warden-ps-parse-')), 'parse.ps1');
      writeFileSync(parser, PARSE);
      return execFileSync(findPwsh() as string, ['-NoProfile', '-NonInteractive', '-File', parser, ...files], {
        encoding: 'utf8',
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', POWERSHELL_TELEMETRY_OPTOUT: '1' },
      })
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    };

    it('parses every .ps1 script with no error', () => {
      expect(parse(ps1)).toEqual([]);
    }, 120_000);

    it('would report a syntax error', () => {
      const bad = join(mkdtempSync(join(tmpdir(), 'warden-ps1-')), 'bad.ps1');
      writeFileSync(bad, 'if ($true) {\n  Write-Host "unclosed"\n');
      expect(parse([bad]).join('\n')).toMatch(/bad\.ps1:\d+:\d+: .*/);
    }, 120_000);
  });
});
