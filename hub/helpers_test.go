package hub

const (
	orgA = "identity--a0000000-0000-4000-8000-00000000000a"
	orgB = "identity--b0000000-0000-4000-8000-00000000000b"
)
