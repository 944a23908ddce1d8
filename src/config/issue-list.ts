import type { ConfigIssue } from './errors.js';

/**
 * The issues found so far, one per place: once a path has an issue, nothing more is said about
 * it or anything under it. So a missing `target` is one issue, not one per field it lacks, and a
 * reader may run on a value already reported without repeating the complaint.
 */
export class IssueList {
  private readonly issues: ConfigIssue[] = [];

  add(path: string, message: string): void {
    if (this.issues.some((issue) => isSameOrInside(path, issue.path))) return;
    this.issues.push({ path, message });
  }

  get all(): readonly ConfigIssue[] {
    return this.issues;
  }
}

function isSameOrInside(path: string, ancestor: string): boolean {
  if (ancestor === '' || path === ancestor) return true;
  return path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

/** `connections[0]` + `target` → `connections[0].target`. */
export function keyPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** `connections` + 0 → `connections[0]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
