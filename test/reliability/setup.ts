/**
 * Global setup of the reliability suite: clears the figures, then runs the fault-free baseline once (a
 * sweep --apply and a verifying sweep on the bundled estate) and hands every scenario the open findings it
 * leaves, which is what each fault scenario must converge to.
 */
import type { TestProject } from 'vitest/node';
import { baseline, builtCli } from './harness';
import { resetFigures } from './metrics';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Open findings (rule|resource|reason) after a fault-free apply; empty when the CLI is not built. */
    baselineOpen: string[];
  }
}

/** Runs once before the test files. */
export default async function setup(project: TestProject): Promise<void> {
  resetFigures();
  project.provide('baselineOpen', builtCli() ? await baseline() : []);
}
