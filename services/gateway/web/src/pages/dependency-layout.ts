/** The parts of a dependency edge the drawing needs. */
export interface EdgeEnds {
  caller: string;
  callee: string;
}

/** A node's box. */
export interface NodeBox {
  x: number;
  y: number;
}

/** One drawn edge: its path, where its label sits (centre of a box of LABEL_W × LABEL_H) and its lines. */
export interface EdgeDrawing {
  d: string;
  labelX: number;
  labelY: number;
}

export const NODE_W = 170;
export const NODE_H = 40;
export const LABEL_W = 176;
export const LABEL_H = 32;
const COL_GAP = 230;
const PAD = 30;
/** Vertical room per edge at a node side, and the least room between rows of nodes. */
const PORT_GAP = 10;
const ROW_GAP = 60;

/** Columns by call depth (longest path from a service nobody calls; cycles are cut), rows in name order. */
function ranks(services: readonly string[], edges: readonly EdgeEnds[]): Map<string, number> {
  const rank = new Map<string, number>(services.map((s) => [s, 0]));
  // Relax ranks at most |services| times: enough for any DAG, and it stops on cycles.
  for (let i = 0; i < services.length; i++) {
    let changed = false;
    for (const e of edges) {
      if (e.caller === e.callee) continue;
      const next = (rank.get(e.caller) ?? 0) + 1;
      if (next > (rank.get(e.callee) ?? 0) && next < services.length) {
        rank.set(e.callee, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return rank;
}

/** Points spread over a node's side: edge i of n ends at its own height, so parallel edges never share an end. */
function portY(box: NodeBox, i: number, n: number): number {
  return box.y + NODE_H / 2 + (i - (n - 1) / 2) * Math.min(PORT_GAP, (NODE_H - 8) / Math.max(1, n - 1));
}

/** The point at t of a cubic Bézier. */
function bezier(p0: number, p1: number, p2: number, p3: number, t: number): number {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}

/** A box by its centre and size. */
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether two boxes overlap, with a 4 px margin. */
const overlaps = (a: Box, b: Box): boolean => Math.abs(a.x - b.x) < (a.w + b.w) / 2 + 4 && Math.abs(a.y - b.y) < (a.h + b.h) / 2 + 4;

/**
 * Lays the graph out: nodes in columns by call depth, each edge from its own port on the caller's right side to its
 * own port on the callee's left side (ports ordered by the other end's height, so edges do not cross at a node),
 * and each label at its curve's middle, pushed down past any label or node it would overlap. Rows are spaced so
 * that a column's labels fit.
 */
export function layoutGraph(
  services: readonly string[],
  edges: readonly EdgeEnds[],
): { nodes: Map<string, NodeBox>; edges: EdgeDrawing[]; width: number; height: number } {
  const rank = ranks(services, edges);
  const columns = new Map<number, string[]>();
  for (const s of [...services].sort()) columns.set(rank.get(s) ?? 0, [...(columns.get(rank.get(s) ?? 0) ?? []), s]);
  // Each edge's label needs room beside its callee's column: space rows by the labels that arrive there.
  const arriving = new Map<string, number>();
  for (const e of edges) arriving.set(e.callee, (arriving.get(e.callee) ?? 0) + 1);
  const nodes = new Map<string, NodeBox>();
  for (const [col, names] of columns) {
    let y = PAD + LABEL_H;
    for (const name of names) {
      nodes.set(name, { x: PAD + col * (NODE_W + COL_GAP), y });
      y += NODE_H + Math.max(ROW_GAP, (arriving.get(name) ?? 0) * (LABEL_H + 6));
    }
  }

  const outPorts = new Map<string, EdgeEnds[]>();
  const inPorts = new Map<string, EdgeEnds[]>();
  for (const e of edges) {
    if (e.caller === e.callee) continue;
    outPorts.set(e.caller, [...(outPorts.get(e.caller) ?? []), e]);
    inPorts.set(e.callee, [...(inPorts.get(e.callee) ?? []), e]);
  }
  const yOf = (name: string): number => nodes.get(name)?.y ?? 0;
  for (const list of outPorts.values()) list.sort((a, b) => yOf(a.callee) - yOf(b.callee) || a.callee.localeCompare(b.callee));
  for (const list of inPorts.values()) list.sort((a, b) => yOf(a.caller) - yOf(b.caller) || a.caller.localeCompare(b.caller));

  // A label is never drawn over a node or another label.
  const placed: Box[] = [];
  for (const n of nodes.values()) placed.push({ x: n.x + NODE_W / 2, y: n.y + NODE_H / 2, w: NODE_W, h: NODE_H });
  const drawings: EdgeDrawing[] = [];
  let bottom = 0;
  for (const n of nodes.values()) bottom = Math.max(bottom, n.y + NODE_H);
  for (const e of edges) {
    const a = nodes.get(e.caller)!;
    const b = nodes.get(e.callee)!;
    let d: string;
    let lx: number;
    let ly: number;
    if (e.caller === e.callee) {
      const x1 = a.x + NODE_W;
      const y1 = a.y + NODE_H / 2;
      const x2 = a.x + NODE_W - 20;
      d = `M${x1},${y1} C${x1 + 50},${y1} ${x2 + 30},${a.y - 40} ${x2},${a.y}`;
      lx = x1 + 40;
      ly = a.y - 30;
    } else {
      const outs = outPorts.get(e.caller)!;
      const ins = inPorts.get(e.callee)!;
      const y1 = portY(a, outs.indexOf(e), outs.length);
      const y2 = portY(b, ins.indexOf(e), ins.length);
      if (b.x > a.x) {
        const x1 = a.x + NODE_W;
        const x2 = b.x;
        const mid = (x1 + x2) / 2;
        d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
        lx = bezier(x1, mid, mid, x2, 0.5);
        ly = bezier(y1, y1, y2, y2, 0.5);
      } else {
        // Back or same-column edge: loops below both nodes, from the caller's left to the callee's right.
        const low = Math.max(a.y, b.y) + NODE_H + 50;
        d = `M${a.x},${y1} C${a.x - 60},${low} ${b.x + NODE_W + 60},${low} ${b.x + NODE_W},${y2}`;
        lx = (a.x + b.x + NODE_W) / 2;
        ly = low - 10;
      }
    }
    const label: Box = { x: lx, y: ly, w: LABEL_W, h: LABEL_H };
    for (let guard = 0; guard < 200 && placed.some((p) => overlaps(p, label)); guard++) label.y += 6;
    placed.push(label);
    bottom = Math.max(bottom, label.y + LABEL_H / 2);
    drawings.push({ d, labelX: label.x, labelY: label.y });
  }
  let right = 0;
  for (const n of nodes.values()) right = Math.max(right, n.x + NODE_W);
  for (const p of drawings) right = Math.max(right, p.labelX + LABEL_W / 2);
  return { nodes, edges: drawings, width: Math.max(right + PAD, 300), height: Math.max(bottom + PAD, 100) };
}

/** Milliseconds as people read them: 0.31 ms, 4.2 ms, 377 ms, 1.25 s. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}
