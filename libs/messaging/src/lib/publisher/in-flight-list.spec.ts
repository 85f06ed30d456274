import { InFlightList, type InFlightNode } from './in-flight-list';

interface Publish extends InFlightNode {
  name: string;
}

function publish(name: string): Publish {
  return { name, previous: null, next: null };
}

function names(list: InFlightList<Publish>): string[] {
  return list.toArray().map((node) => node.name);
}

describe('InFlightList', () => {
  it('keeps insertion order and counts its nodes', () => {
    const list = new InFlightList<Publish>();
    const [a, b, c] = [publish('a'), publish('b'), publish('c')];
    list.add(a);
    list.add(b);
    list.add(c);
    expect(list.size).toBe(3);
    expect(names(list)).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['head', 'a', ['b', 'c']],
    ['middle', 'b', ['a', 'c']],
    ['tail', 'c', ['a', 'b']],
  ])('removes the %s and relinks its neighbours', (_where, removed, left) => {
    const list = new InFlightList<Publish>();
    const nodes = ['a', 'b', 'c'].map(publish);
    nodes.forEach((node) => list.add(node));
    const node = nodes.find((candidate) => candidate.name === removed)!;

    expect(list.remove(node)).toBe(true);
    expect(names(list)).toEqual(left);
    expect(list.size).toBe(2);
    // A removed node points at nothing, so it cannot keep its former neighbours alive.
    expect(node).toMatchObject({ previous: null, next: null });
  });

  it('answers false for a node removed twice and leaves the count alone', () => {
    const list = new InFlightList<Publish>();
    const a = publish('a');
    list.add(a);
    expect(list.remove(a)).toBe(true);
    expect(list.remove(a)).toBe(false);
    expect(list.size).toBe(0);
    expect(names(list)).toEqual([]);
  });

  it('is usable again after being emptied', () => {
    const list = new InFlightList<Publish>();
    const [a, b] = [publish('a'), publish('b')];
    list.add(a);
    list.remove(a);
    list.add(b);
    list.add(a);
    expect(names(list)).toEqual(['b', 'a']);
  });

  it('lets every node be removed while walking a copy (how a lost channel fails them all)', () => {
    const list = new InFlightList<Publish>();
    const nodes = Array.from({ length: 5 }, (_, i) => publish(`p${i}`));
    nodes.forEach((node) => list.add(node));
    for (const node of list.toArray()) list.remove(node);
    expect(list.size).toBe(0);
    expect(names(list)).toEqual([]);
    expect(nodes.every((node) => node.previous === null && node.next === null)).toBe(true);
  });
});
