/**
 * Global setup of the vitest runs that hold test/infra: says in one line which infra tools are missing (their
 * tests are skipped), or fails the run when BACKUP_WARDEN_REQUIRE_INFRA_TOOLS=1 (CI) and one is missing.
 */
import { INFRA_TOOLS_REQUIRED, missingInfraTools } from './tools';

/** Checks for the Bicep CLI, PowerShell and shellcheck once per run. */
export default function setup(): void {
  const missing = missingInfraTools();
  if (missing.length === 0) return;
  const what = `infra tools not found: ${missing.join(', ')}`;
  if (INFRA_TOOLS_REQUIRED) throw new Error(`${what} (BACKUP_WARDEN_REQUIRE_INFRA_TOOLS=1); install them as .ci/run does`);
  console.log(`${what}; the test/infra checks that need them are skipped (.ci/run installs them).`);
}
