// Package bounce holds the words every stage of rebound shares: the closed vocabularies of a
// bounced recipient (Reason, in Sisimai's names; Type; Action) and of an address's suppression
// state (State), each with the one list it is checked against. docs/reasons.md and
// docs/policy.md describe them.
//
// Status codes are RFC 3463 enhanced status codes (class.subject.detail) and reply codes are
// RFC 5321 section 4.2 reply codes; the reasons' typical codes are listed in Reasons.
package bounce
