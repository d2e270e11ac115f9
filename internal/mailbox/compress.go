package mailbox

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compressed files are recognised by their magic bytes, whatever their name: gzip (RFC 1952),
// bzip2, xz and zstd (RFC 8878). Each is read through a streaming decompressor, so memory
// stays flat whatever the size of the file; what comes out is read like an uncompressed file
// (an mbox or a single message). One level only: a compressed file inside a compressed file is
// read as a single message, and tar archives are not unpacked.

// codec is a compressed format.
type codec struct {
	name string
	open func(r io.Reader) (io.ReadCloser, error)
}

// Decompressors' memory bounds. A compressed stream names the window (dictionary) its
// decoder must hold; these are the largest that the tools' own strongest presets write
// (xz -9: 64 MiB; zstd --ultra -22 and --long: 128 MiB), so a file that asks for more is
// refused rather than allowed to take gigabytes.
// (Variables, so that the fuzz target can lower them.)
var (
	maxXZDict     = 64 << 20
	maxZstdWindow = 128 << 20
)

var (
	codecGzip  = &codec{"gzip", openGzip}
	codecBzip2 = &codec{"bzip2", func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(bzip2.NewReader(r)), nil }}
	codecXZ    = &codec{"xz", openXZ}
	codecZstd  = &codec{"zstd", openZstd}
)

// sniffLen is how many bytes sniff looks at.
const sniffLen = 10

// sniff returns the compressed format br starts with, or nil.
func sniff(br *bufio.Reader) *codec {
	head, _ := br.Peek(sniffLen)
	return sniffBytes(head)
}

// sniffBytes returns the compressed format head (the first bytes of a file) starts with, or nil.
func sniffBytes(head []byte) *codec {
	switch {
	case len(head) >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8: // ID1 ID2, CM deflate
		return codecGzip
	case len(head) >= 6 && string(head[:6]) == "\xfd7zXZ\x00":
		return codecXZ
	case len(head) >= 4 && string(head[:4]) == "\x28\xb5\x2f\xfd":
		return codecZstd
	case len(head) >= 10 && string(head[:3]) == "BZh" && head[3] >= '1' && head[3] <= '9' &&
		(string(head[4:10]) == "\x31\x41\x59\x26\x53\x59" || string(head[4:10]) == "\x17\x72\x45\x38\x50\x90"):
		// "BZh", the block size, then the magic of a block (pi) or of the end of the stream
		// (sqrt(pi)): ten bytes that no text message starts with.
		return codecBzip2
	}
	return nil
}

func openGzip(r io.Reader) (io.ReadCloser, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	return zr, nil // multistream: members concatenated by "gzip >>" are read one after the other
}

func openZstd(r io.Reader) (io.ReadCloser, error) {
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(uint64(maxZstdWindow)))
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

func openXZ(r io.Reader) (io.ReadCloser, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	if err := checkXZDict(br); err != nil {
		return nil, err
	}
	tail := &xzTail{r: br}
	zr, err := xz.NewReader(tail)
	if err != nil {
		return nil, err
	}
	// The decoder reads a stream header followed by nothing as an empty stream: it is a file
	// cut after its first 12 bytes (an empty stream still has its index and footer).
	if _, err := br.Peek(1); err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return io.NopCloser(&xzChecked{zr: zr, tail: tail}), nil
}

// xzTail passes an xz file through and keeps the last two bytes read that are not stream
// padding (null bytes, xz file format 1.1.0 section 2.2): in a whole file they are the footer's
// magic "YZ" (section 2.1.2.4).
type xzTail struct {
	r    io.Reader
	last [2]byte
}

func (t *xzTail) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for _, b := range p[:n] {
		if b != 0 {
			t.last[0], t.last[1] = t.last[1], b
		}
	}
	return n, err
}

// xzChecked reports a file whose stream does not end with a footer as cut short: the decoder
// reads a file cut inside a block header as a stream that ends there, without an error.
type xzChecked struct {
	zr   io.Reader
	tail *xzTail
}

func (c *xzChecked) Read(p []byte) (int, error) {
	n, err := c.zr.Read(p)
	if err == io.EOF && c.tail.last != [2]byte{'Y', 'Z'} {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// checkXZDict refuses an xz stream whose first block asks for a dictionary over maxXZDict: the
// decoder would allocate it whole. The stream header is 12 bytes; the block header that
// follows gives its size, its flags, optional sizes, then each filter's ID and properties,
// LZMA2's one property byte encoding the dictionary size (xz file format 1.1.0, sections 2.1
// and 3.1, and 5.3.1).
func checkXZDict(br *bufio.Reader) error {
	head, _ := br.Peek(12 + 1024)
	if len(head) < 13 || head[12] == 0 { // too short (the decoder says so), or no block
		return nil
	}
	h := head[12:]
	size := (int(h[0]) + 1) * 4
	if len(h) < size {
		return nil
	}
	h = h[1:size]
	flags := h[0]
	h = h[1:]
	skipVarint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && len(h) > 0; i++ {
			b := h[0]
			h = h[1:]
			v |= uint64(b&0x7f) << (7 * i)
			if b&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} {
		if present {
			if _, ok := skipVarint(); !ok {
				return nil
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := skipVarint()
		n, ok2 := skipVarint()
		if !ok1 || !ok2 || uint64(len(h)) < n {
			return nil // malformed: the decoder reports it
		}
		if id == 0x21 && n == 1 {
			if code := h[0]; code <= 40 {
				dict := uint64(2|code&1) << (code/2 + 11)
				if code == 40 {
					dict = 1<<32 - 1
				}
				if dict > uint64(maxXZDict) {
					return fmt.Errorf("xz: dictionary of %d MiB, over the %d MiB rebound reads; hint: recompress with xz -9 or less", dict>>20, maxXZDict>>20)
				}
			}
		}
		h = h[n:]
	}
	return nil
}

// decompressError names the format of a decompression error that does not already.
func decompressError(c *codec, err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: compressed data ends early (a truncated file, or one still being written)", c.name)
	}
	if strings.HasPrefix(err.Error(), c.name) {
		return err
	}
	return fmt.Errorf("%s: %w", c.name, err)
}
