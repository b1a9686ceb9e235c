"""The child process of `pagewriter.PageWriter`: creates the page files it is sent.

Run as a script (`python -I -S page_files.py OWNER_PID`), so it imports nothing but
a few standard modules (~10 MB, ~20 ms to start). It reads from stdin, until end of
file, messages of: path length and data length (two big-endian uint32), the path
(file-system encoding), the data. Each file is written under the temporary name
`.<name>.tmp-<OWNER_PID>` and renamed over its path, as
`atomic.write_text_replace` does (the owner's pid, so the owner's clean-up of
stale temporary files covers them). At the end it prints `ok <n>` or
`error [<errno>] <message>` on stdout; on the first error it stops reading (the writer's
next send fails) and exits with status 1.
"""
import os
import struct
import sys

HEADER = struct.Struct(">II")


def read_exact(stream, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def write_file(path: bytes, data: bytes, owner: str) -> None:
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, b"." + name + b".tmp-" + owner.encode())
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                     0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main() -> int:
    owner = sys.argv[1]
    stdin = sys.stdin.buffer
    n = 0
    while True:
        head = stdin.read(HEADER.size)
        if not head:
            break
        try:
            if len(head) < HEADER.size:
                head += read_exact(stdin, HEADER.size - len(head))
            path_len, data_len = HEADER.unpack(head)
            path = read_exact(stdin, path_len)
            data = read_exact(stdin, data_len)
        except EOFError:
            print("error the page writer's input ended in the middle of a page", flush=True)
            return 1
        try:
            write_file(path, data, owner)
        except OSError as e:
            where = os.fsdecode(path)
            print(f"error {e.errno} {where}: {e.strerror}" if e.errno
                  else f"error {where}: {e}", flush=True)
            return 1
        n += 1
    print(f"ok {n}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
