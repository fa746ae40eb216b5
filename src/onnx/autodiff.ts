/**
 * Reverse-mode autodiff over a Graph, in the tinygrad style:
 *   1. mark every value that depends on a `wrt` tensor (forward sweep of the node list);
 *   2. mark every node the loss depends on (walk back from the loss);
 *   3. visit the nodes in both sets in reverse build order (the list is topological),
 *      sum each output's incoming gradients (fan-out), and apply the op's rule from
 *      GRADIENT_RULES, which returns one gradient per input.
 * Gradient nodes are appended to the same graph, so the train step is one graph.
 * A missing rule throws naming the op.
 */
import { assert, bug } from "../errors.ts";
import { sameShape } from "./broadcast.ts";
import { isFloat, type Node, type Sym } from "./graph.ts";
import { GRADIENT_RULES } from "./gradient-rules.ts";
import { sum } from "./ops-elementwise.ts";

/** d loss / d each of `wrt` (same shapes). `loss` must have one element. Unreached `wrt` get zeros. */
export function gradients(loss: Sym, wrt: readonly Sym[]): Sym[] {
  const g = loss.graph;
  assert(loss.size === 1, `gradients: loss must be a single element (shape [${loss.shape}])`);
  for (const w of wrt) assert(isFloat(w.elemType), `gradients: cannot differentiate with respect to ${w.elemType} value ${w.name}`);
  const nodes = [...g.nodes];

  // 1. values that depend on wrt (only float values carry gradients)
  const dependsOnWrt = new Set<Sym>(wrt);
  for (const node of nodes) {
    if (node.inputs.some((i) => dependsOnWrt.has(i))) for (const o of node.outputs) if (isFloat(o.elemType)) dependsOnWrt.add(o);
  }

  // 2. nodes the loss depends on
  const neededByLoss = new Set<Node>();
  const stack: Sym[] = [loss];
  while (stack.length > 0) {
    const node = stack.pop()!.producer;
    if (!node || neededByLoss.has(node)) continue;
    neededByLoss.add(node);
    stack.push(...node.inputs);
  }

  // 3. reverse sweep
  const pending = new Map<Sym, Sym[]>([[loss, [g.constant(1, loss.shape, loss.elemType)]]]);
  const total = (sym: Sym): Sym | undefined => {
    const terms = pending.get(sym);
    if (!terms) return undefined;
    if (terms.length > 1) pending.set(sym, [sum(terms)]);
    return pending.get(sym)![0];
  };
  for (let n = nodes.length - 1; n >= 0; n--) {
    const node = nodes[n]!;
    if (!neededByLoss.has(node) || !node.inputs.some((i) => dependsOnWrt.has(i))) continue;
    const outputGrads = node.outputs.map(total);
    if (outputGrads.every((d) => d === undefined)) continue;
    const rule = GRADIENT_RULES[node.opType];
    if (!rule) {
      bug(`no gradient rule for op ${node.opType}: add one to GRADIENT_RULES in src/onnx/gradient-rules.ts or build the op from primitives`);
    }
    const needs = node.inputs.map((i) => dependsOnWrt.has(i) && isFloat(i.elemType));
    const inputGrads = rule({ node, outputGrads, needs });
    node.inputs.forEach((input, i) => {
      const grad = inputGrads[i];
      if (!needs[i] || grad === undefined) return;
      if (!sameShape(grad.shape, input.shape)) {
        bug(`gradient rule for ${node.opType} returned the wrong shape for input ${i} ([${grad.shape}], want [${input.shape}])`);
      }
      const list = pending.get(input);
      if (list) list.push(grad);
      else pending.set(input, [grad]);
    });
  }
  return wrt.map((w) => total(w) ?? g.constant(0, w.shape, w.elemType));
}
