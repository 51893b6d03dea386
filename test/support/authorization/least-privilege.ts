import type { PolicyStatement } from '../../../lambdas/core/access-policies';
import { UNEXERCISED_GRANTS } from '../../../lib/unexercised-grants';
import type { Authorizer } from './authorizer';
import type { DeployedTemplate } from './template-policies';

export interface GrantUse {
  role: string;
  sid: string;
  action: string;
  resource: string;
}

export interface LeastPrivilegeReport {
  calls: number;
  requests: number;
  /** (role, action, resource pattern) grants some recorded call needed. */
  used: GrantUse[];
  /** Grants no call used, with a reason in `UNEXERCISED_GRANTS`. */
  explained: GrantUse[];
  /** Grants no call used and nobody explained: each one is a failure. */
  unexplained: string[];
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** Whether `UNEXERCISED_GRANTS` gives a reason for this grant of this function (logical id). */
function explained(functionId: string, sid: string, action: string): boolean {
  const name = functionId.replace(/^Rotation|Fn[0-9A-F]+$/g, '');
  return UNEXERCISED_GRANTS.some(
    (g) =>
      (g.principal === 'every function' || g.principal === name) &&
      (g.sid === undefined || g.sid === sid) &&
      g.actions.includes(action),
  );
}

/**
 * For each function role, splits every Allow statement into (action, resource) pairs and asks whether
 * some recorded call is allowed by that pair alone (with the statement's conditions, the bucket and key
 * policies). A pair no call needs is a grant wider than Mint's behaviour.
 */
export async function unusedGrants(
  authorizer: Authorizer,
  deployed: DeployedTemplate,
): Promise<LeastPrivilegeReport> {
  const report: LeastPrivilegeReport = {
    calls: authorizer.calls,
    requests: authorizer.evaluations.length,
    used: [],
    explained: [],
    unexplained: [],
  };
  for (const fn of deployed.lambdaFunctions()) {
    const role = deployed.functionRole(fn);
    const recorded = authorizer.evaluations.filter((e) => e.roleId === role && e.decision === 'Allowed');
    const distinct = [...new Map(recorded.map((e) => [JSON.stringify(e.request), e.request])).values()];
    for (const statement of authorizer.principal(role).statements) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of list(statement.Action)) {
        for (const resource of list(statement.Resource)) {
          const single: PolicyStatement = { ...statement, Action: action, Resource: resource };
          const candidates = distinct.filter((r) => glob(action).test(r.action));
          let used = false;
          for (const request of candidates) {
            if ((await authorizer.decide(role, request, [single])) === 'Allowed') {
              used = true;
              break;
            }
          }
          const use = { role, sid: statement.Sid, action, resource };
          if (used) report.used.push(use);
          else if (explained(fn, statement.Sid, action)) report.explained.push(use);
          else
            report.unexplained.push(
              `${fn} (${statement.Sid}): ${action} on ${resource} is granted but no call needs it`,
            );
        }
      }
    }
  }
  return report;
}
