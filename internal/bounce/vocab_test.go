package bounce

import (
	"strings"
	"testing"
)

// TestVocabulary checks the closed vocabulary: every reason of DEVELOPERS.md is listed once,
// with a valid type and action, and the type/action pairs are the documented defaults.
func TestVocabulary(t *testing.T) {
	want := strings.Fields(`authfailure badreputation blocked contenterror delivered emailtoolarge expired
		failedstarttls feedback filtered hasmoved hostunknown mailboxfull mailererror networkerror
		norelaying notaccept notcompliantrfc onhold policyviolation ratelimited rejected requireptr
		securityerror spamdetected suspend syntaxerror systemerror systemfull undefined
		userunknown vacation virusdetected`)
	seen := map[Reason]bool{}
	for _, ri := range Reasons {
		if seen[ri.Reason] {
			t.Errorf("reason %s listed twice", ri.Reason)
		}
		seen[ri.Reason] = true
		if !ri.Type.Valid() || !ri.Action.Valid() {
			t.Errorf("reason %s: bad type %q or action %q", ri.Reason, ri.Type, ri.Action)
		}
		if ri.Meaning == "" || !strings.HasSuffix(ri.Meaning, ".") {
			t.Errorf("reason %s: meaning should be one sentence", ri.Reason)
		}
	}
	for _, w := range want {
		if !seen[Reason(w)] {
			t.Errorf("reason %s missing from Reasons", w)
		}
	}
	if len(Reasons) != len(want) {
		t.Errorf("Reasons has %d entries, DEVELOPERS.md lists %d", len(Reasons), len(want))
	}
	hard := map[Reason]bool{ReasonUserUnknown: true, ReasonHostUnknown: true, ReasonHasMoved: true, ReasonNotAccept: true}
	actions := map[Reason]Action{
		ReasonBlocked: ActionInvestigateReputation, ReasonBadReputation: ActionInvestigateReputation,
		ReasonSpamDetected: ActionInvestigateReputation, ReasonRateLimited: ActionInvestigateReputation,
		ReasonRejected: ActionInvestigateReputation, ReasonAuthFailure: ActionFixTechnical,
		ReasonRequirePTR: ActionFixTechnical, ReasonSecurityError: ActionFixTechnical,
		ReasonFailedSTARTTLS: ActionFixTechnical, ReasonNotCompliantRFC: ActionFixTechnical,
		ReasonNoRelaying: ActionFixTechnical, ReasonPolicyViolation: ActionReviewContent,
		ReasonContentError: ActionReviewContent, ReasonVirusDetected: ActionReviewContent,
	}
	for _, ri := range Reasons {
		if hard[ri.Reason] != (ri.Type == TypeHard) {
			t.Errorf("reason %s: type %s, hard should be exactly userunknown, hostunknown, hasmoved, notaccept", ri.Reason, ri.Type)
		}
		if a, ok := actions[ri.Reason]; ok {
			if ri.Action != a || ri.Type != TypeBlock {
				t.Errorf("reason %s: %s/%s, want block/%s", ri.Reason, ri.Type, ri.Action, a)
			}
		} else if ri.Action != ri.Type.DefaultAction() {
			t.Errorf("reason %s: action %s, want the default of type %s (%s)", ri.Reason, ri.Action, ri.Type, ri.Type.DefaultAction())
		}
	}
	if r, ok := ParseReason("TooManyConn"); !ok || r != ReasonRateLimited {
		t.Errorf("ParseReason(TooManyConn) = %q, %v", r, ok)
	}
	if _, ok := ParseReason("nosuchreason"); ok {
		t.Error("ParseReason accepted an unknown name")
	}
}
