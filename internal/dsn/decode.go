package dsn

import "errors"

// ErrEmpty is returned for a message with no content.
var ErrEmpty = errors.New("empty message")

// Decode reads one message (RFC 5322, any line ending) and returns what it reports.
// A message that is not a bounce gives a Report of KindNotBounce and a nil error; an error
// means the message could not be decoded at all.
func Decode(data []byte) (*Report, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	return &Report{Kind: KindNotBounce, NotBounceReason: "decoder not written yet"}, nil
}
