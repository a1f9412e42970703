#!/usr/bin/env python3
"""Dump a kmod .bin index (format 2.1) as 'key<TAB>priority<TAB>value' lines,
in trie (sorted key) order, values in stored order. Independent of the layout
(pre- or post-order), so it compares the content of two indexes."""
import struct
import sys


def dump(path):
    data = open(path, 'rb').read()
    if len(data) == 0:
        print('# empty file')
        return
    magic, version, root = struct.unpack('>III', data[:12])
    if magic != 0xB007F457 or version >> 16 != 2:
        sys.exit('%s: bad header' % path)
    out = []

    def node(ref, key):
        off = ref & 0x0FFFFFFF
        if off == 0:
            return
        if off >= len(data):
            sys.exit('%s: node offset out of range' % path)
        p = off
        if ref & 0x80000000:
            e = data.index(b'\0', p)
            key += data[p:e]
            p = e + 1
        children = []
        if ref & 0x20000000:
            first, last = data[p], data[p + 1]
            p += 2
            for c in range(first, last + 1):
                (r,) = struct.unpack('>I', data[p:p + 4])
                p += 4
                children.append((c, r))
        if ref & 0x40000000:
            (n,) = struct.unpack('>I', data[p:p + 4])
            p += 4
            for _ in range(n):
                (prio,) = struct.unpack('>I', data[p:p + 4])
                p += 4
                e = data.index(b'\0', p)
                out.append(b'%s\t%d\t%s' % (key, prio, data[p:e]))
                p = e + 1
        for c, r in children:
            node(r, key + bytes([c]))

    node(root, b'')
    sys.stdout.buffer.write(b''.join(l + b'\n' for l in out))


if __name__ == '__main__':
    sys.setrecursionlimit(100000)
    dump(sys.argv[1])
