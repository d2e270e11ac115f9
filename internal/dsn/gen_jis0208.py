#!/usr/bin/env python3
"""Generate jis0208.bin: the JIS X 0208 (with the Windows-31J / NEC extensions of rows 13 and
89-92) to Unicode table used by charset_ja.go.

Layout: 94 rows x 94 cells, big-endian uint16 Unicode code points, 0 for an unassigned cell.
Run from this directory: python3 gen_jis0208.py
"""
import struct

out = bytearray()
for row in range(1, 95):
    for cell in range(1, 95):
        j1, j2 = row + 0x20, cell + 0x20
        # JIS -> Shift_JIS
        s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
        s2 = j2 + (0x1F if j1 & 1 else 0x7E)
        if j1 & 1 and s2 >= 0x7F:
            s2 += 1
        cp = 0
        for enc, data in (("cp932", bytes([s1, s2])), ("iso2022_jp", b"\x1b$B" + bytes([j1, j2]) + b"\x1b(B")):
            try:
                u = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if len(u) == 1:
                cp = ord(u)
                break
        out += struct.pack(">H", cp)
open("jis0208.bin", "wb").write(out)
