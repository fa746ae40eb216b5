/**
 * Disjoint sets (union–find) over the items 0..size−1: which items are connected so far.
 * One piece for every place that groups models by pairs found related (storage twins,
 * related components, speculative trees, ground-truth components) or builds a clustering
 * tree bottom-up (scipy's linkage relabelling).
 *
 * `find` halves paths as it walks, so a run of unions and finds costs near-linear time
 * (Tarjan 1975). Which root a set keeps is part of the contract, because callers name
 * sets by their root: `union` keeps the smaller index; `link` keeps the root it is given.
 */
import { assert, bug } from "../errors.ts";

/** Union–find over integer items; items are added at the end (`add`) and never removed. */
export class DisjointSets {
  private parent: Int32Array;
  private count: number;

  /** `size` items, each a set of its own. */
  constructor(size = 0) {
    assert(Number.isInteger(size) && size >= 0, `DisjointSets: size must be a whole number (${size})`);
    this.parent = Int32Array.from({ length: Math.max(size, 4) }, (_, i) => i);
    this.count = size;
  }

  /** How many items there are. */
  get size(): number {
    return this.count;
  }

  /** Adds one item, a set of its own; returns its index (the previous size). */
  add(): number {
    if (this.count === this.parent.length) {
      const grown = new Int32Array(this.parent.length * 2);
      grown.set(this.parent);
      this.parent = grown;
    }
    this.parent[this.count] = this.count;
    return this.count++;
  }

  /** The root of item i's set (the same number for every member until the set is joined to another). */
  find(item: number): number {
    if (!(item >= 0 && item < this.count)) bug(`DisjointSets.find: item out of range (${item}, limit ${this.count})`); // no message built on the hot path
    const parent = this.parent;
    let i = item;
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  }

  /** Joins the sets of a and b; the smaller of their two roots stays the root. Returns that root. */
  union(a: number, b: number): number {
    const [rootA, rootB] = [this.find(a), this.find(b)];
    if (rootA === rootB) return rootA;
    const [root, child] = rootA < rootB ? [rootA, rootB] : [rootB, rootA];
    this.parent[child] = root;
    return root;
  }

  /** Puts the set rooted at `child` under the root `root` (both must be roots of different sets): `root` names the joined set. */
  link(child: number, root: number): void {
    if (this.find(child) !== child || this.find(root) !== root || child === root) bug(`DisjointSets.link: ${child} and ${root} must be two roots`);
    this.parent[child] = root;
  }

  /** Whether a and b are in the same set. */
  connected(a: number, b: number): boolean {
    return this.find(a) === this.find(b);
  }
}
