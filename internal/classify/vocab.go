package classify

// Reason is why a delivery failed, in Sisimai's vocabulary so that users can compare results.
type Reason string

// Type is the kind of failure, which drives the suppression policy.
type Type string

// Type values.
const (
	TypeHard      Type = "hard"      // the address is permanently undeliverable
	TypeSoft      Type = "soft"      // a temporary problem with the recipient's mailbox or server
	TypeBlock     Type = "block"     // the receiver refused the sender (reputation, auth, policy, content, rate)
	TypeComplaint Type = "complaint" // the recipient reported the message (ARF)
	TypeAutoReply Type = "autoreply" // vacation or other automatic reply
	TypeDelivered Type = "delivered" // a success notice
	TypeUnknown   Type = "unknown"   // not enough evidence
)

// Types lists every Type.
var Types = []Type{TypeHard, TypeSoft, TypeBlock, TypeComplaint, TypeAutoReply, TypeDelivered, TypeUnknown}

// Action is what a sender should do about a result.
type Action string

// Action values.
const (
	ActionSuppress              Action = "suppress"
	ActionRetry                 Action = "retry"
	ActionInvestigateReputation Action = "investigate_reputation"
	ActionFixTechnical          Action = "fix_technical"
	ActionReviewContent         Action = "review_content"
	ActionManualReview          Action = "manual_review"
	ActionIgnore                Action = "ignore"
)

// Actions lists every Action.
var Actions = []Action{ActionSuppress, ActionRetry, ActionInvestigateReputation, ActionFixTechnical,
	ActionReviewContent, ActionManualReview, ActionIgnore}
