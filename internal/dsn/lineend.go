package dsn

import "bytes"

// normalizeEOL returns data with CRLF and bare CR line endings turned into LF, so that a message
// stored with Unix, DOS or old Mac line endings decodes identically. It returns data itself,
// without copying, when there is no CR in it.
func normalizeEOL(data []byte) []byte {
	i := bytes.IndexByte(data, '\r')
	if i < 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	for i >= 0 {
		out = append(out, data[:i]...)
		out = append(out, '\n')
		data = data[i+1:]
		if len(data) > 0 && data[0] == '\n' {
			data = data[1:]
		}
		// A run of bare CRs (old Mac line endings, blank lines) without a call per byte.
		for len(data) > 0 && data[0] == '\r' && (len(data) == 1 || data[1] != '\n') {
			out = append(out, '\n')
			data = data[1:]
		}
		i = bytes.IndexByte(data, '\r')
	}
	return append(out, data...)
}
