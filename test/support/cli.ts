/** Runs the `warden` CLI in-process and captures what it prints. */
import { main } from '../../src/cli/main';

/** The exit code and the captured stdout and stderr of one CLI run. */
export async function runWarden(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  });
  return { code, stdout, stderr };
}
