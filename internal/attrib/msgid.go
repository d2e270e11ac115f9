package attrib

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// messageIDPattern reads a campaign from a Message-ID with a regular expression: the group named
// "campaign", else the first group, else the whole match.
type messageIDPattern struct {
	re    *regexp.Regexp
	group int
}

func compileMessageID(src string) (*messageIDPattern, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("message_id pattern: %w", err)
	}
	p := &messageIDPattern{re: re}
	if i := re.SubexpIndex("campaign"); i > 0 {
		p.group = i
	} else if re.NumSubexp() > 0 {
		p.group = 1
	}
	return p, nil
}

// match applies the pattern to a Message-ID without its angle brackets.
func (p *messageIDPattern) match(id string) string {
	if p == nil || id == "" {
		return ""
	}
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	m := p.re.FindStringSubmatch(id)
	if m == nil {
		return ""
	}
	return m[p.group]
}

func errorf(format string, args ...any) error {
	if len(args) == 0 {
		return errors.New(format)
	}
	return fmt.Errorf(format, args...)
}
