/**
 * The Fxiaoke department list, indexed: by id, by name (ignoring case), the path of each, the
 * departments under one, and the names closest to one that is not there. Pure.
 */
import type { RelayDepartment } from './types.js';

/** One department as `/cgi/department/list` lists it. */
export interface FxiaokeDepartment {
  id: number;
  name: string;
  /** Absent (or 0) on the root. */
  parentId?: number;
  /** Stopped (disabled) in Fxiaoke: refused as a recipient. */
  isStop: boolean;
  order?: number;
}

/** "Sales East (dept 1002)". */
export function departmentLabel(department: Pick<RelayDepartment, 'id' | 'name'>): string {
  return `${department.name} (dept ${department.id})`;
}

/** The department list, indexed: by id, by name, and the path of each. */
export class DepartmentIndex {
  readonly byId = new Map<number, FxiaokeDepartment>();
  readonly #byName = new Map<string, FxiaokeDepartment[]>();

  constructor(readonly departments: readonly FxiaokeDepartment[]) {
    for (const department of departments) {
      this.byId.set(department.id, department);
      const key = department.name.trim().toLowerCase();
      this.#byName.set(key, [...(this.#byName.get(key) ?? []), department]);
    }
  }

  named(name: string): FxiaokeDepartment[] {
    return this.#byName.get(name.trim().toLowerCase()) ?? [];
  }

  label(department: FxiaokeDepartment): string {
    return departmentLabel(department);
  }

  parentLabel(department: FxiaokeDepartment): string {
    const parent = department.parentId !== undefined ? this.byId.get(department.parentId) : undefined;
    return parent ? `${parent.name} (dept ${parent.id})` : 'the top level';
  }

  /** Names from the top, the root (a department without a listed parent) left out. */
  path(department: FxiaokeDepartment): string {
    const names: string[] = [];
    const seen = new Set<number>();
    let current: FxiaokeDepartment | undefined = department;
    while (current && !seen.has(current.id)) {
      seen.add(current.id);
      const parent: FxiaokeDepartment | undefined =
        current.parentId !== undefined ? this.byId.get(current.parentId) : undefined;
      if (parent || current === department) names.unshift(current.name);
      current = parent;
    }
    return names.join(' › ');
  }

  /** The department and everything under it (a cycle in a broken list is walked once). */
  descendants(id: number): number[] {
    const found = new Set<number>([id]);
    const queue = [id];
    while (queue.length > 0) {
      const next = queue.shift() as number;
      for (const child of this.#childrenOf().get(next) ?? []) {
        if (found.has(child)) continue;
        found.add(child);
        queue.push(child);
      }
    }
    return [...found];
  }

  #children: Map<number, number[]> | undefined;
  #childrenOf(): Map<number, number[]> {
    if (this.#children) return this.#children;
    const children = new Map<number, number[]>();
    for (const department of this.departments) {
      if (department.parentId === undefined) continue;
      const siblings = children.get(department.parentId);
      if (siblings) siblings.push(department.id);
      else children.set(department.parentId, [department.id]);
    }
    this.#children = children;
    return children;
  }

  /**
   * Active departments whose names look most like `name`: by edit distance, a name containing the
   * other (or contained in it) counted a little closer and kept however far it is.
   */
  closest(name: string, limit: number): FxiaokeDepartment[] {
    const wanted = name.trim().toLowerCase();
    const near = Math.max(2, Math.floor([...wanted].length / 3));
    return this.departments
      .filter((department) => !department.isStop)
      .map((department) => {
        const candidate = department.name.toLowerCase();
        const contains = candidate.includes(wanted) || wanted.includes(candidate);
        const distance = editDistance(wanted, candidate);
        return { department, contains, distance, score: distance - (contains ? 0.5 : 0) };
      })
      .filter((entry) => entry.contains || entry.distance <= near)
      .sort((a, b) => a.score - b.score || a.department.name.localeCompare(b.department.name))
      .slice(0, limit)
      .map((entry) => entry.department);
  }
}

/** Levenshtein distance over code points, two rows (names are short). */
function editDistance(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}
