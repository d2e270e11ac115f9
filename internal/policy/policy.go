// Package policy turns classified bounce events into a suppression state per recipient:
// active, soft, paused, suppressed or review, with an audit trail of every transition. The
// policy itself is data (rules/default.policy, overridable with --policy FILE) in the format
// described in docs/policy.md; evaluation is a pure function of the policy, the events, the
// operator overrides and the current time.
//
// Event types come from the classifier (RFC 3463 status codes and RFC 5321 reply codes decide
// hard, soft and block); complaints are ARF reports whose Feedback-Type (RFC 5965 section 3.1,
// RFC 6591 for auth-failure) is matched against complaint_types; auto-replies (RFC 3834) and
// delivery notices (RFC 3464 Action delivered/relayed/expanded) are ignored by default.
package policy

import (
	"fmt"
	"strings"
	"time"
)

// SectionKind is the kind of a policy section.
type SectionKind string

// Section kinds, in increasing precedence: a reason section beats a provider section, which
// beats the default section.
const (
	KindDefault  SectionKind = "default"
	KindProvider SectionKind = "provider"
	KindReason   SectionKind = "reason"
)

// Treatment is what a policy does with an event of some type.
type Treatment string

// Treatment values.
const (
	Suppress Treatment = "suppress" // suppress the recipient permanently at the first event
	Pause    Treatment = "pause"    // count towards soft_threshold; pause, then suppress after pauses_to_suppress pauses
	Review   Treatment = "review"   // put the recipient on the review list
	Ignore   Treatment = "ignore"   // not a bounce: no effect, not counted
	Provider Treatment = "provider" // count against the provider only; the recipient is not touched
)

// Setting is one "key = value" line of a policy file.
type Setting struct {
	Key   string
	Value string
	File  string
	Line  int
}

// Section is one [kind name] section of a policy file.
type Section struct {
	Kind     SectionKind
	Name     string // reason or provider id; empty for the default section
	File     string
	Line     int
	Settings []Setting

	vals [numKeys]*value
}

// Label names the section as in its header, without brackets: "default", "reason mailboxfull".
func (s *Section) Label() string {
	if s.Kind == KindDefault {
		return string(KindDefault)
	}
	return string(s.Kind) + " " + s.Name
}

// Policy is a parsed policy: a default section and any reason and provider sections, which
// decide states, and the [privacy] section, which does not.
type Policy struct {
	Sections []*Section // in file order; the default section first when there is one
	Privacy  Privacy    // the [privacy] section (not in Sections, not in ID)

	def       *Section
	reasons   map[string]*Section
	providers map[string]*Section
}

// key is a setting name.
type key int

const (
	kHard key = iota
	kSoft
	kComplaint
	kBlock
	kAutoreply
	kDelivered
	kUnknown
	kComplaintTypes
	kSoftThreshold
	kSoftWindow
	kPause
	kPausesToSuppress
	kPauseWindow
	numKeys
)

type valueKind int

const (
	vTreatment valueKind = iota
	vInt
	vDuration
	vList
)

// keySpec describes a setting: its name, value kind and, for treatments, the allowed values.
type keySpec struct {
	name    string
	kind    valueKind
	allowed []Treatment
	min     int // for integers
}

var keySpecs = [numKeys]keySpec{
	kHard:             {name: "hard", allowed: []Treatment{Suppress, Pause, Review, Ignore}},
	kSoft:             {name: "soft", allowed: []Treatment{Pause, Suppress, Review, Ignore}},
	kComplaint:        {name: "complaint", allowed: []Treatment{Suppress, Review, Ignore}},
	kBlock:            {name: "block", allowed: []Treatment{Provider, Ignore}},
	kAutoreply:        {name: "autoreply", allowed: []Treatment{Ignore, Review}},
	kDelivered:        {name: "delivered", allowed: []Treatment{Ignore, Review}},
	kUnknown:          {name: "unknown", allowed: []Treatment{Review, Ignore}},
	kComplaintTypes:   {name: "complaint_types", kind: vList},
	kSoftThreshold:    {name: "soft_threshold", kind: vInt, min: 1},
	kSoftWindow:       {name: "soft_window", kind: vDuration},
	kPause:            {name: "pause", kind: vDuration},
	kPausesToSuppress: {name: "pauses_to_suppress", kind: vInt, min: 0},
	kPauseWindow:      {name: "pause_window", kind: vDuration},
}

// Keys lists every setting name, in the order docs/policy.md documents them.
func Keys() []string {
	out := make([]string, numKeys)
	for k := range keySpecs {
		out[k] = keySpecs[k].name
	}
	return out
}

func lookupKey(name string) (key, bool) {
	for k := range keySpecs {
		if keySpecs[k].name == name {
			return key(k), true
		}
	}
	return 0, false
}

// value is a parsed setting value, with the label of the section it came from.
type value struct {
	text string
	src  string
	t    Treatment
	n    int
	d    time.Duration
	list []string
}

// params are the settings that apply to one event: each key resolved through the reason
// section, then the provider section, then the default section.
type params [numKeys]*value

// resolve returns the settings for an event with the given reason and provider.
func (p *Policy) resolve(reason, provider string) *params {
	var ps params
	chain := []*Section{p.reasons[reason], p.providers[provider], p.def}
	for k := range ps {
		for _, s := range chain {
			if s != nil && s.vals[k] != nil {
				ps[k] = s.vals[k]
				break
			}
		}
	}
	return &ps
}

func (ps *params) treatment(k key) Treatment    { return ps[k].t }
func (ps *params) num(k key) int                { return ps[k].n }
func (ps *params) duration(k key) time.Duration { return ps[k].d }
func (ps *params) has(k key, item string) bool  { return contains(ps[k].list, item) }

// describe renders the settings that applied, grouped by the section they came from, for the
// audit trail: "reason mailboxfull: soft_threshold=5 soft_window=72h; default: pause=7d".
func (ps *params) describe(keys ...key) string {
	var order []string
	groups := map[string][]string{}
	for _, k := range keys {
		src := ps[k].src
		if _, ok := groups[src]; !ok {
			order = append(order, src)
		}
		groups[src] = append(groups[src], keySpecs[k].name+"="+ps[k].text)
	}
	parts := make([]string, len(order))
	for i, src := range order {
		parts[i] = src + ": " + strings.Join(groups[src], " ")
	}
	return strings.Join(parts, "; ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Check reports sections that name a reason or provider outside the given vocabularies (the
// classifier's reason list and provider table), with file:line. A nil list is not checked.
func (p *Policy) Check(reasons, providers []string) error {
	return joinErrors(p.check(reasons, providers))
}

func (p *Policy) check(reasons, providers []string) []error {
	var errs []error
	for _, s := range p.Sections {
		var known []string
		switch s.Kind {
		case KindReason:
			known = reasons
		case KindProvider:
			known = providers
		default:
			continue
		}
		if known != nil && !contains(known, s.Name) {
			errs = append(errs, &ParseError{File: s.File, Line: s.Line,
				Msg: fmt.Sprintf("unknown %s %q in section [%s]%s", s.Kind, s.Name, s.Label(), didYouMean(s.Name, known))})
		}
	}
	return errs
}
