/**
 * Docker's attach stream without a TTY multiplexes stdout and stderr in frames: an 8-byte
 * header (stream type: 0 stdin, 1 stdout, 2 stderr; three zero bytes; big-endian payload
 * length) then the payload. This splits it, without copying payloads that arrive whole and
 * without buffering more than one header across chunks.
 */
export type StreamKind = 'stdout' | 'stderr';

export class Demuxer {
  private header = Buffer.alloc(8);
  private headerLen = 0;
  /** Bytes of the current frame's payload still to come; 0 between frames. */
  private remaining = 0;
  private kind: StreamKind = 'stdout';

  constructor(private readonly sink: (kind: StreamKind, chunk: Buffer) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.headerLen, chunk.length - at);
        chunk.copy(this.header, this.headerLen, at, at + take);
        this.headerLen += take;
        at += take;
        if (this.headerLen < 8) return;
        this.headerLen = 0;
        // Type 0 (stdin) never comes back on attach; anything unknown is kept as stdout
        // rather than lost.
        this.kind = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      this.sink(this.kind, chunk.subarray(at, at + take));
      this.remaining -= take;
      at += take;
    }
  }
}
