/**
 * The trust boundary (docs/architecture.md, "The trust boundary"): the ONE way the host reads
 * what a sandbox wrote, and the one way it writes beside it.
 *
 * Everything under a folder a sandbox could write is hostile: a file may be a symlink to
 * /proc/self/environ or to another team's key, a hard link, a FIFO that hangs an open(), a
 * device, or gigabytes. So every read here
 *   - walks from a host-owned `root` down, refusing any symlinked folder on the way;
 *   - lstat()s the file: regular, one link, under the size cap — before opening it;
 *   - opens with O_NOFOLLOW | O_NONBLOCK (a FIFO cannot block, a swapped-in symlink fails);
 *   - fstat()s the open descriptor and checks it is the file that was lstat()ed;
 *   - reads at most the cap.
 * Every host write into such a folder unlinks what is there and creates the file with
 * O_CREAT | O_EXCL | O_NOFOLLOW, so it can never write through a planted link.
 * Copies (model folders into the registry) accept only folders and plain files.
 *
 * A plain `readFile`/`writeFile`/`cp` on a sandbox-writable path is a bug; test/trust-boundary
 * .test.ts greps the tree for them.
 *
 * The code lives in core/untrusted/: checks.ts (caps, the refusal, path and stat checks),
 * read.ts (reads), host-write.ts (host writes beside sandbox output), copy.ts (copies out).
 * Callers import from this file only.
 */

export { UNTRUSTED_CAPS, UntrustedFileError, type UntrustedOptions } from './untrusted/checks.ts';
export { checkUntrustedFile, readUntrusted, readUntrustedJson, readUntrustedText } from './untrusted/read.ts';
export { copyHostFileInto, freshHostDir, writeHostFile } from './untrusted/host-write.ts';
export { checkUntrustedTree, copyUntrustedFile, copyUntrustedTree } from './untrusted/copy.ts';
