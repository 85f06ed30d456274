/** A node of an InFlightList; the list owns the two links (both null while it is outside). */
export interface InFlightNode {
  previous: InFlightNode | null;
  next: InFlightNode | null;
}

/**
 * The publishes awaiting a confirm. A linked list, not a Set, for the garbage collector's sake
 * (docs/BENCHMARKS.md, "Gateway: signed WhatsApp status calls at 50 connections").
 */
export class InFlightList<T extends InFlightNode> {
  private head: T | null = null;
  private tail: T | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The node added longest ago that is still in the list. */
  get first(): T | null {
    return this.head;
  }

  add(node: T): void {
    node.previous = this.tail;
    node.next = null;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count++;
  }

  /** Unlinks the node; false if it was not in the list (already removed). */
  remove(node: T): boolean {
    if (node.previous === null && this.head !== node) return false;
    if (node.previous) node.previous.next = node.next;
    else this.head = node.next as T | null;
    if (node.next) node.next.previous = node.previous;
    else this.tail = node.previous as T | null;
    node.previous = null;
    node.next = null;
    this.count--;
    return true;
  }

  /** The nodes in insertion order, as a copy (removing while iterating is safe). */
  toArray(): T[] {
    const nodes: T[] = [];
    for (let node = this.head; node; node = node.next as T | null) nodes.push(node);
    return nodes;
  }
}
