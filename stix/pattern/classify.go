package pattern

// Classify recognises a lookup value given by a user and normalises it
// exactly as extraction does.
func Classify(value string) (Observable, bool) {
	return Observable{}, false
}
