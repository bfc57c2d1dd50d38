package stix

// Problem codes.
const (
	CodeInvalidObject  = "invalid_object"
	CodeInvalidPattern = "invalid_pattern"
)

// Problem is one validation finding.
type Problem struct {
	Object  string `json:"object"`  // object id ("" for the bundle itself)
	Pointer string `json:"pointer"` // RFC 6901 pointer into the bundle document, e.g. "/objects/3/pattern"
	Message string `json:"message"`
	Code    string `json:"code"` // "invalid_object" or "invalid_pattern"
}

// String renders the problem for logs and the CLI.
func (p Problem) String() string {
	ptr := p.Pointer
	if ptr == "" {
		ptr = "/"
	}
	if p.Object == "" {
		return ptr + ": " + p.Message
	}
	return p.Object + " " + ptr + ": " + p.Message
}
