/**
 * The report: the CLI's `--format json` contract and the model the table output renders.
 * `{summary: {resources, findings, open, exempt, actions, truncated, warnings, coverage}, findings, actions}`.
 */
import { coverageWarnings, type Coverage } from './coverage';
import type { Action, Finding } from './model';
import { findingKey } from './model';
import type { Plan } from './planner';

/** The outcome of an executed action, as `sweep --apply` reports it. */
export interface ReportActionResult {
  status: 'succeeded' | 'failed' | 'skipped';
  error?: { code: string; message: string };
  detail?: string;
  /** For a failure: whether retrying it may succeed. */
  retryable?: boolean;
  durationMs: number;
}

/** An action in the report, with its result once executed. */
export type ReportAction = Action & { result?: ReportActionResult };

/** The report's summary block. */
export interface ReportSummary {
  resources: number;
  findings: number;
  open: number;
  exempt: number;
  actions: number;
  truncated: boolean;
  /** Actions that the cap (maxActions) cut from the plan. */
  truncatedActions: number;
  warnings: string[];
  /** Counts of open findings per rule id. */
  openByRule: Record<string, number>;
  /** With --apply: counts of results per status. */
  results?: { succeeded: number; failed: number; skipped: number };
  /** What the assessment read; an incomplete coverage is never compliant. */
  coverage: Coverage;
}

/** The whole report. */
export interface Report {
  summary: ReportSummary;
  findings: Finding[];
  actions: ReportAction[];
}

/**
 * Builds the report. Open findings that no action resolves carry `details.reason` (why: report-only,
 * explicit-storage-deny, no-free-priority, ...).
 */
export function buildReport(
  resources: number,
  findings: readonly Finding[],
  plan: Plan,
  warnings: readonly string[],
  coverage: Coverage,
): Report {
  const annotated = findings.map((f): Finding => {
    const reason = f.status === 'open' ? plan.unplanned.get(findingKey(f.ruleId, f.resourceId)) : undefined;
    return reason ? { ...f, details: { ...f.details, reason } } : f;
  });
  const openByRule: Record<string, number> = {};
  for (const f of annotated) if (f.status === 'open') openByRule[f.ruleId] = (openByRule[f.ruleId] ?? 0) + 1;
  const allWarnings = [...warnings, ...coverageWarnings(coverage), ...plan.warnings];
  if (plan.truncated) {
    allWarnings.push(
      `plan truncated to maxActions=${plan.actions.length} of ${plan.plannedBeforeCap} planned actions; the rest are planned by the next run`,
    );
  }
  return {
    summary: {
      resources,
      findings: annotated.length,
      open: annotated.filter((f) => f.status === 'open').length,
      exempt: annotated.filter((f) => f.status === 'exempt').length,
      actions: plan.actions.length,
      truncated: plan.truncated,
      truncatedActions: plan.plannedBeforeCap - plan.actions.length,
      warnings: allWarnings,
      openByRule,
      coverage,
    },
    findings: annotated,
    actions: plan.actions.map((a) => ({ ...a })),
  };
}

/** Attaches execution results to the report's actions and counts them. */
export function withResults(report: Report, results: readonly ReportActionResult[]): Report {
  const actions = report.actions.map((a, i) => {
    const r = results[i];
    return r ? { ...a, result: r } : a;
  });
  const counts = { succeeded: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.status]++;
  return { ...report, actions, summary: { ...report.summary, results: counts } };
}

/** The exit code of an assessment whose coverage is incomplete: it is never reported as compliant. */
export const EXIT_INCOMPLETE_COVERAGE = 4;

/**
 * The CLI exit code: 4 when the coverage is incomplete (some scope, row or kind of data was not read), else 1
 * when a finding is open or an action failed, else 0.
 */
export function exitCodeOf(report: Report): 0 | 1 | 4 {
  if (!report.summary.coverage.complete) return EXIT_INCOMPLETE_COVERAGE;
  if (report.summary.open > 0) return 1;
  if (report.actions.some((a) => a.result?.status === 'failed')) return 1;
  return 0;
}
