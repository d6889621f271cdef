import type { Chunk } from './chunk.js';

/** FIFO of chunks with O(1) shift, compacted once the consumed prefix grows large. */
export class ChunkQueue {
  private items: Chunk[] = [];
  private head = 0;

  push(chunk: Chunk): void {
    this.items.push(chunk);
  }

  shift(): Chunk | undefined {
    if (this.head === this.items.length) return undefined;
    const chunk = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return chunk;
  }

  /** Puts a chunk back in front, to be shifted next. */
  unshift(chunk: Chunk): void {
    if (this.head > 0) this.items[--this.head] = chunk;
    else this.items.unshift(chunk);
  }

  /** The chunk shift() would give, left in place; undefined when empty (the slot past the end). */
  peek(): Chunk | undefined {
    return this.items[this.head];
  }

  takeAll(): Chunk[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}
