/**
 * Keeps a bounded view of a stream: the first half of the cap and the last half, with a marker
 * between them saying how much was dropped. Memory stays at about `capBytes` plus one chunk
 * however much the process writes, and a traceback at the very end survives.
 */
export class CappedOutput {
  private readonly headCap: number;
  private readonly tailCap: number;
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  private total = 0;

  constructor(capBytes: number) {
    const cap = Math.max(0, Math.floor(capBytes));
    this.headCap = Math.floor(cap / 2);
    this.tailCap = cap - this.headCap;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLen < this.headCap) {
      const take = Math.min(this.headCap - this.headLen, rest.length);
      // Copy: the head outlives the chunk, and a subarray would pin the whole chunk.
      this.head.push(Buffer.from(rest.subarray(0, take)));
      this.headLen += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.tailCap === 0) return;
    this.tail.push(rest);
    this.tailLen += rest.length;
    // Drop whole chunks that fall entirely before the last `tailCap` bytes.
    while (this.tail.length > 1 && this.tailLen - this.tail[0]!.length >= this.tailCap) {
      this.tailLen -= this.tail.shift()!.length;
    }
    // Keep one oversized chunk from holding on to more than the cap.
    if (this.tail.length === 1 && this.tailLen > this.tailCap) {
      this.tail = [Buffer.from(this.tail[0]!.subarray(this.tailLen - this.tailCap))];
      this.tailLen = this.tailCap;
    }
  }

  /** Bytes written in total (kept or not). */
  get totalBytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.droppedBytes > 0;
  }

  get droppedBytes(): number {
    return this.total - this.headLen - Math.min(this.tailLen, this.tailCap);
  }

  toString(): string {
    const tailBuf = Buffer.concat(this.tail);
    const tail = tailBuf.subarray(Math.max(0, tailBuf.length - this.tailCap));
    const head = Buffer.concat(this.head);
    const dropped = this.total - head.length - tail.length;
    if (dropped <= 0) return Buffer.concat([head, tail]).toString('utf8');
    const sep = head.length > 0 && head[head.length - 1] !== 0x0a ? '\n' : '';
    const marker = `${sep}[... ${dropped} bytes dropped ...]\n`;
    return head.toString('utf8') + marker + tail.toString('utf8');
  }
}
