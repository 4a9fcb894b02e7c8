/**
 * The fixed read pool of one connection: the socket reads (`onread`) straight into a few large buffers,
 * body chunks are views of those buffers, and a buffer is read into again only once every view taken from
 * it has been released. Memory per download is therefore the pool, whatever the body's size, and no body
 * buffer is allocated per read.
 *
 * The protocol with Node's `onread` (verified on Node 20, net and tls alike): the buffer generator is called
 * once when the socket is set up and then right after every read callback; if it returned nothing, the next
 * read would overwrite the previous buffer. So the pool never lets the socket read unless a free buffer is
 * left for the read after: {@link ReadPool.exhausted} says when to stop reading (the read callback returns
 * `false`), and a release that frees a buffer lets the connection resume.
 *
 * Buffers outlive their connection: once the socket is closed ({@link ReadPool.dispose}), each buffer with no
 * view out — at once, or when its last view is released — is kept for the next connection (at most
 * {@link SPARE_BUFFERS} of the default size), so a run of small downloads allocates no read buffers. A buffer
 * fresh off the allocator was measured to cost a mark-compact every few downloads (V8 collects on external
 * memory growth): 64 × 1 MiB from nginx spent about 0.7 ms of GC per download.
 *
 * @module
 */

/** Size of one read buffer of a connection's pool, in bytes (option `readBufferBytes`). @default 262_144 */
export const READ_BUFFER_BYTES = 256 * 1024;
/** Number of read buffers in a connection's pool (option `readPoolBuffers`, at least 2). @default 4 */
export const READ_POOL_BUFFERS = 4;

/** Default-size buffers kept for later connections once theirs closed (4 MiB at the default size). @default 16 */
export const SPARE_BUFFERS = 16;
/** Buffers of {@link READ_BUFFER_BYTES} whose connection closed with no view of them out. */
const spare: Buffer[] = [];

/** A buffer of `size` bytes: a spare one when the size is the default, else a new one. */
function allocate(size: number): Buffer {
  return (size === READ_BUFFER_BYTES ? spare.pop() : undefined) ?? Buffer.allocUnsafeSlow(size);
}

/** Keeps a buffer nothing reads into and no view refers to for a later connection (when there is room). */
function recycle(bytes: Buffer): void {
  if (bytes.length === READ_BUFFER_BYTES && spare.length < SPARE_BUFFERS) spare.push(bytes);
}

/** How many buffers are kept for later connections (tests). */
export function spareBuffers(): number {
  return spare.length;
}

/** Smallest space left in a buffer that is still worth a read (TLS hands over 16 KiB records). */
const MIN_READ_BYTES = 64 * 1024;

interface Slab {
  readonly bytes: Buffer;
  /** Views of this slab handed out and not yet released. */
  views: number;
  /** Where the next read into this slab starts. */
  used: number;
}

/** A connection's read buffers and the views leased from them. */
export class ReadPool {
  /** Size of each buffer, in bytes. */
  readonly bufferBytes: number;
  /** Most buffers allocated (they are allocated when first needed). */
  readonly bufferCount: number;
  readonly #minRead: number;
  readonly #slabs: Slab[] = [];
  readonly #leases = new Map<Uint8Array, Slab>();
  /** The slab the socket reads into next (or just read into), and where that read starts. */
  #armed: { slab: Slab; start: number } | undefined;
  /** The region prepared for the socket's next read, handed over by {@link take}. */
  #prepared: Buffer | undefined;
  #leasedBytes = 0;
  #overflow = 0;
  /** The socket is closed: a buffer whose last view is released is recycled. */
  #disposed = false;

  constructor(bufferBytes = READ_BUFFER_BYTES, bufferCount = READ_POOL_BUFFERS) {
    if (!Number.isInteger(bufferBytes) || bufferBytes < 1024) {
      throw new RangeError(`readBufferBytes must be an integer >= 1024 (got ${bufferBytes})`);
    }
    // One buffer is being read into while the others hold unreleased views: fewer than 2 could never resume.
    if (!Number.isInteger(bufferCount) || bufferCount < 2) {
      throw new RangeError(`readPoolBuffers must be an integer >= 2 (got ${bufferCount})`);
    }
    this.bufferBytes = bufferBytes;
    this.bufferCount = bufferCount;
    this.#minRead = Math.min(MIN_READ_BYTES, Math.floor(bufferBytes / 4));
  }

  /** The buffer generator given to `onread.buffer`: the region the socket's next read goes into. */
  take(): Buffer {
    const region = this.#prepared ?? this.prepare();
    this.#prepared = undefined;
    return region;
  }

  /** Records a read of `length` bytes into the region last taken and returns those bytes (a view). */
  filled(region: Buffer, length: number): Buffer {
    const armed = this.#armed;
    if (armed) armed.slab.used = armed.start + length;
    return region.subarray(0, length);
  }

  /** Chooses the region of the next read: the rest of the current buffer if large enough, else a free buffer. */
  prepare(): Buffer {
    if (this.#prepared) return this.#prepared;
    const current = this.#armed?.slab;
    if (current && current.bytes.length - current.used >= this.#minRead) {
      this.#armed = { slab: current, start: current.used };
    } else {
      const slab = this.#freeSlab() ?? this.#overflowSlab();
      slab.used = 0;
      this.#armed = { slab, start: 0 };
    }
    const { slab, start } = this.#armed;
    this.#prepared = slab.bytes.subarray(start);
    return this.#prepared;
  }

  /** Whether no free buffer is left for the read after the prepared one: the socket must stop reading. */
  exhausted(): boolean {
    const armed = this.#armed?.slab;
    if (this.#slabs.length < this.bufferCount) return false;
    return !this.#slabs.some((slab) => slab !== armed && slab.views === 0);
  }

  /** Leases a view of the bytes last read (a body chunk): its buffer is not read into until it is released. */
  lease(view: Buffer): void {
    const slab = this.#armed?.slab;
    if (!slab || this.#leases.has(view)) return;
    slab.views++;
    this.#leases.set(view, slab);
    this.#leasedBytes += view.byteLength;
  }

  /** Gives back a leased view; unknown views and second releases are ignored. Returns whether it was leased. */
  release(view: Uint8Array): boolean {
    const slab = this.#leases.get(view);
    if (!slab) return false;
    this.#leases.delete(view);
    slab.views--;
    this.#leasedBytes -= view.byteLength;
    if (this.#disposed && slab.views === 0) recycle(slab.bytes);
    return true;
  }

  /**
   * The socket is closed and reads no more: buffers with no view out are recycled now, the others as their
   * last view is released. The pool must not be read into afterwards. Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#armed = undefined;
    this.#prepared = undefined;
    for (const slab of this.#slabs) if (slab.views === 0) recycle(slab.bytes);
  }

  /** Bytes in views leased and not yet released. */
  get leasedBytes(): number {
    return this.#leasedBytes;
  }

  /** Buffers allocated beyond `bufferCount` (only if the pause protocol were broken; 0 in every test). */
  get overflow(): number {
    return this.#overflow;
  }

  /** A slab with no view out, allocating one while under the count. */
  #freeSlab(): Slab | undefined {
    for (const slab of this.#slabs) if (slab.views === 0) return slab;
    if (this.#slabs.length >= this.bufferCount) return undefined;
    const slab: Slab = { bytes: allocate(this.bufferBytes), views: 0, used: 0 };
    this.#slabs.push(slab);
    return slab;
  }

  /** Never overwrite leased bytes: if no buffer were free, read into a new one rather than corrupt a view. */
  #overflowSlab(): Slab {
    this.#overflow++;
    const slab: Slab = { bytes: allocate(this.bufferBytes), views: 0, used: 0 };
    this.#slabs.push(slab);
    return slab;
  }
}
