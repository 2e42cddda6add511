/**
 * The real tools the infra tests run: the Bicep CLI, PowerShell and shellcheck. CI installs them (.ci/run) and sets
 * BACKUP_WARDEN_REQUIRE_INFRA_TOOLS=1, which makes a missing tool a failure; elsewhere the tests that need one are skipped,
 * and test/infra/toolsSetup.ts says so in one line.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..');

/** The version of the Bicep CLI that tools/tools.csproj restores. */
export const BICEP_VERSION = '0.49.2';

/** The version of PowerShell that .ci/run installs as a dotnet tool into tools/.dotnet-tools. */
export const POWERSHELL_VERSION = '7.6.10';

/**
 * True when the environment requires the infra tools (CI sets BACKUP_WARDEN_REQUIRE_INFRA_TOOLS=1). The name is not
 * WARDEN_*: the app rejects WARDEN_* variables it does not know, and CI's environment reaches the tests' app config.
 */
export const INFRA_TOOLS_REQUIRED = process.env['BACKUP_WARDEN_REQUIRE_INFRA_TOOLS'] === '1';

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const first = (candidates: (string | undefined)[]): string | undefined =>
  candidates.find((c): c is string => !!c && existsSync(c));

/**
 * The Bicep CLI: `BICEP_PATH`, then the NuGet package that `dotnet restore tools` brings, then `bicep` on the PATH,
 * then the copy `az bicep install` keeps in ~/.azure/bin.
 */
export function findBicep(): string | undefined {
  const nuget = process.env['NUGET_PACKAGES'] ?? join(homedir(), '.nuget', 'packages');
  return first([
    process.env['BICEP_PATH'],
    join(nuget, 'azure.bicep.commandline.linux-x64', BICEP_VERSION, 'tools', 'bicep'),
    onPath('bicep'),
    join(homedir(), '.azure', 'bin', 'bicep'),
  ]);
}

/** PowerShell: `PWSH_PATH`, the dotnet tool in tools/.dotnet-tools, then `pwsh` on the PATH. */
export function findPwsh(): string | undefined {
  return first([process.env['PWSH_PATH'], join(ROOT, 'tools', '.dotnet-tools', 'pwsh'), onPath('pwsh')]);
}

/** shellcheck on the PATH. */
export function findShellcheck(): string | undefined {
  return first([process.env['SHELLCHECK_PATH'], onPath('shellcheck')]);
}

/** The infra tools that are missing, by name. */
export function missingInfraTools(): string[] {
  const found: [string, string | undefined][] = [
    ['bicep', findBicep()],
    ['pwsh', findPwsh()],
    ['shellcheck', findShellcheck()],
  ];
  return found.filter(([, path]) => !path).map(([name]) => name);
}
