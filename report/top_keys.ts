/**
 * A bounded table of the most frequent keys (the space-saving sketch): each
 * tracked key holds a value, and when a new key arrives at a full table the
 * least frequent entry is evicted and its value folded into a shared rest, so
 * the table never grows with the number of distinct keys and nothing is lost.
 *
 * @module
 */

/** Options for {@linkcode TopKeys}. */
export interface TopKeysOptions<V> {
  /**
   * The most keys tracked at once.
   *
   * @default {64}
   */
  capacity?: number;
  /** Makes an empty value, for a new key and for the rest. */
  create: () => V;
  /** Adds everything in `from` to `into`. */
  fold: (into: V, from: V) => void;
}

/** One tracked key: its value and its weight, an upper bound on how often it was seen. */
export interface TopKeysEntry<V> {
  /** The key. */
  key: string;
  /** Seen at most this many times (exact while the key was never behind an eviction). */
  weight: number;
  /** What was added for the key since it was last tracked. */
  value: V;
}

/** A {@linkcode TopKeys} table as plain data. */
export interface TopKeysState<S> {
  /** The tracked entries. */
  entries: { key: string; weight: number; value: S }[];
  /** What was folded out of the table. */
  rest: S;
}

/**
 * Tracks values for the most frequent keys in bounded space. Any key seen
 * more than `total / capacity` times is guaranteed to be in the table.
 *
 * @typeParam V The value kept per key; plain data if the table is to be posted.
 *
 * @example Count the busiest hosts, the rest lumped together
 * ```ts
 * import { TopKeys } from "./top_keys.ts";
 * import assert from "node:assert/strict";
 *
 * const hosts = new TopKeys({ capacity: 2, create: () => ({ n: 0 }), fold: (a, b) => void (a.n += b.n) });
 * for (const host of ["a", "a", "a", "b", "c", "a", "d"]) hosts.get(host).n++;
 * const [top] = hosts.entries();
 * assert.equal(top?.key, "a");
 * assert.equal(top?.value.n, 4);
 * const total = hosts.entries().reduce((sum, entry) => sum + entry.value.n, hosts.rest.n);
 * assert.equal(total, 7);
 * ```
 */
export class TopKeys<V> {
  #capacity: number;
  #create: () => V;
  #fold: (into: V, from: V) => void;
  #entries = new Map<string, TopKeysEntry<V>>();
  #rest: V;

  /**
   * Creates an empty table.
   *
   * @param options The {@linkcode TopKeysOptions}.
   * @throws {RangeError} When the capacity is not a positive integer.
   */
  constructor(options: TopKeysOptions<V>) {
    const { capacity = 64, create, fold } = options;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create top keys as 'capacity' must be a positive integer: current value is ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#create = create;
    this.#fold = fold;
    this.#rest = create();
  }

  /** Everything folded out of the table by evictions. */
  get rest(): V {
    return this.#rest;
  }

  /**
   * The value of a key, counting one more sighting of it; a new key may evict the least
   * frequent one into {@linkcode TopKeys.rest}.
   *
   * @param key The key.
   * @param weight How many sightings to count.
   * @returns The key's value, to update in place.
   */
  get(key: string, weight = 1): V {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      let floor = 0;
      if (this.#entries.size >= this.#capacity) {
        let least: TopKeysEntry<V> | undefined;
        for (const candidate of this.#entries.values()) {
          if (least === undefined || candidate.weight < least.weight) least = candidate;
        }
        this.#entries.delete(least!.key);
        this.#fold(this.#rest, least!.value);
        floor = least!.weight;
      }
      entry = { key, weight: floor, value: this.#create() };
      this.#entries.set(key, entry);
    }
    entry.weight += weight;
    return entry.value;
  }

  /**
   * The tracked entries, heaviest first.
   *
   * @returns The entries (live: their values are the table's own).
   */
  entries(): TopKeysEntry<V>[] {
    return [...this.#entries.values()].sort((a, b) => b.weight - a.weight);
  }

  /**
   * The table as plain data, for `postMessage`; {@linkcode TopKeys.fromState} takes it back.
   *
   * @typeParam S The plain form of a value.
   * @param toPlain Turns a value into plain data.
   * @returns The entries and the rest.
   */
  toState<S>(toPlain: (value: V) => S): TopKeysState<S> {
    return {
      entries: [...this.#entries.values()].map(({ key, weight, value }) => ({
        key,
        weight,
        value: toPlain(value),
      })),
      rest: toPlain(this.#rest),
    };
  }

  /**
   * Rebuilds a table from {@linkcode TopKeys.toState}.
   *
   * @typeParam V The value kept per key.
   * @typeParam S The plain form of a value.
   * @param state The table as plain data.
   * @param options The table's options.
   * @param fromPlain Turns plain data back into a value.
   * @returns The table.
   */
  static fromState<V, S>(
    state: TopKeysState<S>,
    options: TopKeysOptions<V>,
    fromPlain: (plain: S) => V,
  ): TopKeys<V> {
    const table = new TopKeys(options);
    for (const { key, weight, value } of state.entries) {
      table.#fold(table.get(key, weight), fromPlain(value));
    }
    table.#fold(table.#rest, fromPlain(state.rest));
    return table;
  }

  /**
   * Adds another table's entries and rest to this one.
   *
   * @param other The table to add; its values are folded, not shared.
   */
  merge(other: TopKeys<V>): void {
    for (const entry of other.#entries.values()) {
      this.#fold(this.get(entry.key, entry.weight), entry.value);
    }
    this.#fold(this.#rest, other.#rest);
  }
}
