package classify

import (
	"math"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Confidence of decisions that no rule took.
const (
	kindConfidence      = 1.0
	onHoldConfidence    = 0.2
	undefinedConfidence = 0.1
)

// structuralFormat is the format of bounces read by structure (internal/dsn's structural
// decoder): no known format vouches for where the recipient and its diagnostic were found, so
// every decision on them is less sure, by structuralFactor.
const (
	structuralFormat = "structural"
	structuralFactor = 0.75
)

// maxDiagnostic bounds the diagnostic text read, so that one huge bounce costs no more than a
// few ordinary ones; what decides is at the start.
const maxDiagnostic = 16 << 10

// facts is what the rules look at, computed once per call.
type facts struct {
	status     status
	hasStatus  bool
	reply      string
	provider   string
	dsnAction  string
	kind       string
	format     string
	hint       string
	command    string
	diagType   string
	remote     string
	reporting  string
	text       []byte
	sc         *scratch
	specific   bool // the status table knows the status and does not mark it generic
	statusRule *rule
	evidence   bool // Result.Evidence is wanted (not Input.NoEvidence)
}

// Classify decides the reason, type and action for one recipient, following the order of
// decision in docs/rules.md, and says why in Result.Evidence.
func (c *Classifier) Classify(in Input) Result {
	res := Result{ReplyCode: strings.TrimSpace(in.ReplyCode), Status: strings.TrimSpace(in.Status)}
	var why string
	res.Provider, why = c.provider(in.Recipient, in.RemoteMTA, in.ReportingMTA)
	if why != "" && !in.NoEvidence {
		res.Evidence = append(res.Evidence, "provider "+res.Provider+" from the "+why)
	}
	f := facts{
		evidence:  !in.NoEvidence,
		provider:  res.Provider,
		dsnAction: lower(in.Action),
		kind:      lower(in.Kind),
		format:    lower(in.Format),
		hint:      lower(in.Hint),
		command:   upper(in.Command),
		diagType:  lower(in.DiagnosticType),
		remote:    hostName(in.RemoteMTA),
		reporting: hostName(in.ReportingMTA),
	}
	if out, ok := c.byKind(res, &f, in.FeedbackType); ok {
		return out
	}
	sc := c.scratch.Get().(*scratch)
	defer c.release(sc)
	res = c.prepare(res, &f, sc, in)
	return c.decide(res, &f)
}

// byKind is stage 0: complaints, auto-replies and success notices decide on their own.
func (c *Classifier) byKind(res Result, f *facts, feedbackType string) (Result, bool) {
	switch {
	case f.kind == "feedback":
		ev := "kind feedback: a complaint"
		if feedbackType != "" {
			ev += " (feedback type " + feedbackType + ")"
		}
		return c.finish(res, f, bounce.ReasonFeedback, "kind-feedback", kindConfidence, "", "", ev), true
	case f.kind == "autoreply":
		return c.finish(res, f, bounce.ReasonVacation, "kind-autoreply", kindConfidence, "", "", "kind autoreply: an automatic reply"), true
	case f.dsnAction == "delivered" || f.dsnAction == "relayed" || f.dsnAction == "expanded":
		return c.finish(res, f, bounce.ReasonDelivered, "dsn-action-"+f.dsnAction, kindConfidence, "", "", "DSN action "+f.dsnAction+": not a failure"), true
	}
	return res, false
}

func (c *Classifier) release(sc *scratch) {
	sc.reset()
	c.scratch.Put(sc)
}

// prepare normalises the diagnostic, finds the codes and the phrases that occur in it, and
// decides whether the status code is specific enough to hold phrase rules back.
func (c *Classifier) prepare(res Result, f *facts, sc *scratch, in Input) Result {
	diag := in.Diagnostic
	if len(diag) > maxDiagnostic {
		diag = diag[:maxDiagnostic]
		if f.evidence {
			res.Evidence = append(res.Evidence, "diagnostic longer than "+strconv.Itoa(maxDiagnostic)+" bytes: only its start is read")
		}
	}
	sc.text = normalize(sc.text, diag)
	f.text, f.sc = sc.text, sc
	res.Evidence = c.codes(f, res, res.Evidence)
	if res.ReplyCode == "" && f.reply != "" {
		res.ReplyCode = f.reply
	}
	sc.found = c.phrases.scan(sc.text, sc.hits, sc.found)
	for _, id := range sc.found {
		for _, ri := range c.byPhrase[id] {
			sc.cands[ri>>6] |= 1 << (ri & 63)
		}
	}
	if f.hasStatus {
		if r := c.first(stageStatus, f, false); r != nil {
			f.statusRule = r
			f.specific = !r.generic
		}
	}
	if dt := lower(in.DiagnosticType); f.specific && dt != "" && dt != "smtp" {
		f.specific = false
		if f.evidence {
			res.Evidence = append(res.Evidence, "diagnostic type "+dt+" is not an SMTP reply: phrases are read despite status "+f.status.String())
		}
	}
	return res
}

// decide runs stages 1 to 6 and takes the first rule that matches.
func (c *Classifier) decide(res Result, f *facts) Result {
	for s := stageUser; s < nStages; s++ {
		r := f.statusRule
		if s != stageStatus {
			r = c.first(s, f, true)
		}
		if r == nil {
			continue
		}
		conf := r.confidence
		if conf == 0 {
			conf = defaultConfidence[s]
			if r.generic {
				conf = genericConfidence
			}
		}
		if s > stagePhrase && f.specific && f.evidence {
			if p := c.first(stagePhrase, f, false); p != nil && p.reason != r.reason {
				res.Evidence = append(res.Evidence, "phrase "+p.describe()+" also matched ("+c.explain(p, f)+
					") but yields to the specific status "+f.status.String()+" (rule "+f.statusRule.id+")")
			}
		}
		ev := ""
		if f.evidence {
			ev = r.describe() + ": " + c.explain(r, f)
		}
		return c.finish(res, f, r.reason, r.id, conf, r.typ, r.action, ev)
	}
	if len(f.text) > 0 || f.hasStatus || f.reply != "" {
		return c.finish(res, f, bounce.ReasonOnHold, "no-rule", onHoldConfidence, "", "", "no rule matched: the bounce gives too little to decide")
	}
	return c.finish(res, f, bounce.ReasonUndefined, "no-evidence", undefinedConfidence, "", "", "no status, reply code or diagnostic to classify")
}

// codes fills the status and reply code facts: from the input, else from the diagnostic.
// A generic X.0.0 status gives way to a more precise code of the same class in the diagnostic.
func (c *Classifier) codes(f *facts, res Result, ev []string) []string {
	if st, ok := parseStatus(res.Status); ok {
		f.status, f.hasStatus = st, true
	} else if res.Status != "" && f.evidence {
		ev = append(ev, "status "+strconv.Quote(res.Status)+" is not an RFC 3463 code: ignored")
	}
	if !f.hasStatus || f.status.generic() {
		if st, ok := findStatus(f.text); ok && st.class != 2 && (!f.hasStatus || st.class == f.status.class) && !st.generic() {
			f.status, f.hasStatus = st, true
			if f.evidence {
				ev = append(ev, "status "+st.String()+" found in the diagnostic")
			}
		}
	}
	if validReply(res.ReplyCode) {
		f.reply = res.ReplyCode
	} else if r := findReply(f.text); r != "" {
		f.reply = r
		if f.evidence {
			ev = append(ev, "reply code "+r+" found in the diagnostic")
		}
	}
	return ev
}

// first returns the first rule of stage s whose conditions hold. With gate, phrase rules that
// have no status condition of their own and are not strong yield to a specific status.
func (c *Classifier) first(s stage, f *facts, gate bool) *rule {
	rules := c.rules[c.stageStart[s]:c.stageStart[s+1]]
	base := c.stageStart[s]
	skipWeakPhrases := gate && s == stagePhrase && f.specific
	for i, r := range rules {
		if r.hasText() && !r.anyText {
			ri := base + i
			if f.sc.cands[ri>>6]&(1<<(ri&63)) == 0 {
				continue
			}
		}
		if skipWeakPhrases && !r.strong && len(r.statuses) == 0 {
			continue
		}
		if c.match(r, f) {
			return r
		}
	}
	return nil
}

// match reports whether every condition of r holds.
func (c *Classifier) match(r *rule, f *facts) bool {
	if len(r.statuses) > 0 {
		if f.hasStatus && !anyStatus(r.statuses, f.status) || !f.hasStatus && !anyNoStatus(r.statuses) {
			return false
		}
	}
	if len(r.replies) > 0 && !anyReply(r.replies, f.reply) {
		return false
	}
	if len(r.providers) > 0 && !oneOf(f.provider, r.providers) {
		return false
	}
	if len(r.dsnActions) > 0 && !oneOf(f.dsnAction, r.dsnActions) {
		return false
	}
	if len(r.kinds) > 0 && !oneOf(kindOrBounce(f.kind), r.kinds) {
		return false
	}
	if len(r.formats) > 0 && !oneOf(f.format, r.formats) {
		return false
	}
	if len(r.hints) > 0 && !oneOf(f.hint, r.hints) {
		return false
	}
	if len(r.commands) > 0 && !oneOf(f.command, r.commands) {
		return false
	}
	if len(r.diagTypes) > 0 && !oneOf(f.diagType, r.diagTypes) {
		return false
	}
	if len(r.mtas) > 0 && !anyGlob(r.mtas, f.remote) && !anyGlob(r.mtas, f.reporting) {
		return false
	}
	hits := f.sc.hits
	for _, id := range r.notIDs {
		if hasBit(hits, id) {
			return false
		}
	}
	if r.hasText() && firstHit(r.phraseIDs, hits) < 0 && c.regexMatch(r, f) < 0 {
		return false
	}
	return true
}

// regexMatch returns the index of the first regex of r that matches the text, or -1.
// A regex runs only when the text holds one literal of each of its required sets.
func (c *Classifier) regexMatch(r *rule, f *facts) int {
	for k := range r.regexes {
		if !allSetsHit(r.regexIDs[k], f.sc.hits) {
			continue
		}
		if r.regexes[k].Match(f.text) {
			return k
		}
	}
	return -1
}

// allSetsHit reports whether every set has a phrase that occurred.
func allSetsHit(sets [][]int32, hits []uint64) bool {
	for _, ids := range sets {
		if firstHit(ids, hits) < 0 {
			return false
		}
	}
	return true
}

func firstHit(ids []int32, hits []uint64) int {
	for i, id := range ids {
		if hasBit(hits, id) {
			return i
		}
	}
	return -1
}

// anyNoStatus reports whether one of ps is "none", which matches a bounce without a status.
func anyNoStatus(ps []statusPattern) bool {
	for _, p := range ps {
		if p.none {
			return true
		}
	}
	return false
}

func anyStatus(ps []statusPattern, st status) bool {
	for _, p := range ps {
		if p.match(st) {
			return true
		}
	}
	return false
}

func anyReply(ps []replyPattern, code string) bool {
	for _, p := range ps {
		if p.match(code) {
			return true
		}
	}
	return false
}

func anyGlob(ps []string, host string) bool {
	if host == "" {
		return false
	}
	for _, p := range ps {
		if globMatch(p, host) {
			return true
		}
	}
	return false
}

func kindOrBounce(k string) string {
	if k == "" {
		return "bounce"
	}
	return k
}

// explain describes which conditions of r held, for the evidence of the deciding rule.
func (c *Classifier) explain(r *rule, f *facts) string {
	var parts []string
	if len(r.statuses) > 0 {
		if !f.hasStatus {
			parts = append(parts, "no status code")
		}
		for _, p := range r.statuses {
			if f.hasStatus && p.match(f.status) {
				parts = append(parts, "status "+f.status.String()+" matched "+p.text)
				break
			}
		}
	}
	if len(r.replies) > 0 {
		for _, p := range r.replies {
			if p.match(f.reply) {
				parts = append(parts, "reply "+f.reply+" matched "+p.text)
				break
			}
		}
	}
	if len(r.providers) > 0 {
		parts = append(parts, "provider "+f.provider)
	}
	if len(r.mtas) > 0 {
		host := f.remote
		if !anyGlob(r.mtas, host) {
			host = f.reporting
		}
		parts = append(parts, "MTA "+host+" matched "+join(r.mtas))
	}
	if len(r.dsnActions) > 0 {
		parts = append(parts, "DSN action "+f.dsnAction)
	}
	if len(r.kinds) > 0 {
		parts = append(parts, "kind "+kindOrBounce(f.kind))
	}
	if len(r.formats) > 0 {
		parts = append(parts, "format "+f.format)
	}
	if len(r.hints) > 0 {
		parts = append(parts, "decoder hint "+f.hint)
	}
	if len(r.commands) > 0 {
		if f.command == "" {
			parts = append(parts, "no SMTP command known")
		} else {
			parts = append(parts, "command "+f.command)
		}
	}
	if len(r.diagTypes) > 0 {
		parts = append(parts, "diagnostic type "+f.diagType)
	}
	if i := firstHit(r.phraseIDs, f.sc.hits); i >= 0 {
		parts = append(parts, "phrase "+strconv.Quote(r.phrases[i])+" in diagnostic")
	}
	if len(r.regexes) > 0 && firstHit(r.phraseIDs, f.sc.hits) < 0 {
		if k := c.regexMatch(r, f); k >= 0 {
			parts = append(parts, "regex "+strconv.Quote(r.regexes[k].String())+" matched "+strconv.Quote(string(r.regexes[k].Find(f.text))))
		}
	}
	return strings.Join(parts, ", ")
}

// finish fills type, action, confidence and status of a decision.
func (c *Classifier) finish(res Result, f *facts, reason bounce.Reason, ruleID string, conf float64, typ bounce.Type, action bounce.Action, ev string) Result {
	info, _ := reason.Info()
	res.Reason, res.Rule, res.Confidence = reason, ruleID, conf
	if f.evidence {
		res.Evidence = append(res.Evidence, ev)
	}
	temporary := f.temporary()
	res.Type = typ
	if res.Type == "" {
		res.Type = info.Type
		if reason == bounce.ReasonNotAccept && temporary {
			res.Type = bounce.TypeSoft
		}
	}
	if f.dsnAction == "delayed" && res.Type == bounce.TypeHard {
		// a delay notice: the sending MTA still tries, the address has not failed yet
		res.Type = bounce.TypeSoft
		if f.evidence {
			res.Evidence = append(res.Evidence, "type soft: a delay notice, delivery is still being tried")
		}
	}
	res.Action = action
	if res.Action == "" {
		if res.Type == info.Type {
			res.Action = info.Action
		} else {
			res.Action = res.Type.DefaultAction()
		}
	}
	if f.format == structuralFormat {
		res.Confidence = math.Round(conf*structuralFactor*100) / 100
		if f.evidence {
			res.Evidence = append(res.Evidence, "read by structure, in no known bounce format: confidence "+
				strconv.FormatFloat(conf, 'f', 2, 64)+" x "+strconv.FormatFloat(structuralFactor, 'f', 2, 64))
		}
	}
	if res.Status == "" {
		if f.hasStatus {
			res.Status = f.status.String()
		} else if st := deriveStatus(reason, temporary); st != "" {
			res.Status = st
			if f.evidence {
				res.Evidence = append(res.Evidence, "status "+st+" derived from reason "+string(reason))
			}
		}
	}
	return res
}

// temporary reports whether the codes say the failure is temporary (4xx).
func (f *facts) temporary() bool {
	switch {
	case f.hasStatus:
		return f.status.class == 4
	case f.reply != "":
		return f.reply[0] == '4'
	}
	return f.dsnAction == "delayed"
}

// reasonStatus gives the RFC 3463 subject.detail used when a bounce carries no status code.
var reasonStatus = map[bounce.Reason]string{
	bounce.ReasonUserUnknown:     "1.1",
	bounce.ReasonHostUnknown:     "1.2",
	bounce.ReasonHasMoved:        "1.6",
	bounce.ReasonRejected:        "1.8",
	bounce.ReasonNotAccept:       "1.10",
	bounce.ReasonSuspend:         "2.1",
	bounce.ReasonMailboxFull:     "2.2",
	bounce.ReasonFiltered:        "2.0",
	bounce.ReasonSystemError:     "3.0",
	bounce.ReasonMailerError:     "3.0",
	bounce.ReasonSystemFull:      "3.1",
	bounce.ReasonEmailTooLarge:   "3.4",
	bounce.ReasonNetworkError:    "4.0",
	bounce.ReasonExpired:         "4.7",
	bounce.ReasonSyntaxError:     "5.2",
	bounce.ReasonContentError:    "6.0",
	bounce.ReasonNotCompliantRFC: "6.0",
	bounce.ReasonSecurityError:   "7.0",
	bounce.ReasonBlocked:         "7.1",
	bounce.ReasonSpamDetected:    "7.1",
	bounce.ReasonPolicyViolation: "7.1",
	bounce.ReasonVirusDetected:   "7.1",
	bounce.ReasonNoRelaying:      "7.1",
	bounce.ReasonBadReputation:   "7.1",
	bounce.ReasonRateLimited:     "7.0",
	bounce.ReasonFailedSTARTTLS:  "7.10",
	bounce.ReasonRequirePTR:      "7.25",
	bounce.ReasonAuthFailure:     "7.26",
}

// deriveStatus returns the status code a reason implies, or "" when it implies none.
func deriveStatus(r bounce.Reason, temporary bool) string {
	sd, ok := reasonStatus[r]
	if !ok {
		return ""
	}
	if temporary {
		return "4." + sd
	}
	return "5." + sd
}

// findStatus finds the first enhanced status code in normalised text, not part of a longer
// dotted number such as an IP address.
func findStatus(text []byte) (status, bool) {
	for i := 0; i+5 <= len(text); i++ {
		c := text[i]
		if c != '2' && c != '4' && c != '5' || text[i+1] != '.' {
			continue
		}
		if i > 0 && (isDigit(text[i-1]) || text[i-1] == '.') {
			continue
		}
		j := i + 2
		a := j
		for j < len(text) && isDigit(text[j]) && j-a < 4 {
			j++
		}
		if j == a || j-a > 3 || j >= len(text) || text[j] != '.' {
			continue
		}
		j++
		b := j
		for j < len(text) && isDigit(text[j]) && j-b < 4 {
			j++
		}
		if j == b || j-b > 3 {
			continue
		}
		if j < len(text) && (isDigit(text[j]) || text[j] == '.' && j+1 < len(text) && isDigit(text[j+1])) {
			continue
		}
		if st, ok := parseStatus(string(text[i:j])); ok {
			return st, true
		}
	}
	return status{}, false
}

// findReply finds a reply code at the start of normalised text ("550 ...", "550-...",
// "smtp; 550 ...").
func findReply(text []byte) string {
	t := text
	if len(t) > 5 && string(t[:5]) == "smtp;" {
		t = t[5:]
		if len(t) > 0 && t[0] == ' ' {
			t = t[1:]
		}
	}
	if len(t) < 3 || t[0] < '2' || t[0] > '5' || !isDigit(t[1]) || !isDigit(t[2]) {
		return ""
	}
	if len(t) > 3 && t[3] != ' ' && t[3] != '-' {
		return ""
	}
	return string(t[:3])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c == ' ' || c == '\t' {
			return strings.ToLower(strings.TrimSpace(s))
		}
	}
	return s
}

func upper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c == ' ' || c == '\t' {
			return strings.ToUpper(strings.TrimSpace(s))
		}
	}
	return s
}
