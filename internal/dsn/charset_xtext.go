//go:build rebound_xtext

package dsn

// With the rebound_xtext build tag, go-message's charset package registers the golang.org/x/text
// converters as message.CharsetReader, and decodeCharset uses them for every charset the package
// does not convert itself (KOI8-R, GB2312, Big5, EUC-KR, ISO-8859-2..16, windows-125x, ...).
// It needs golang.org/x/text in go.sum (go get github.com/emersion/go-message/charset@v0.18.2).
import _ "github.com/emersion/go-message/charset"
