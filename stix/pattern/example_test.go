package pattern_test

import (
	"errors"
	"fmt"

	"github.com/jag-hub/jag/stix/pattern"
)

func ExampleParse() {
	p, err := pattern.Parse("[ipv4-addr:value = '198.51.100.0/24' OR file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F'] WITHIN 600 SECONDS")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range p.Observables() {
		fmt.Println(o.Kind, o.Value, o.Path)
	}
	// Output:
	// ipv4 198.51.100.0/24 ipv4-addr:value
	// sha256 aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f file:hashes.'SHA-256'
}

func ExampleParse_error() {
	_, err := pattern.Parse("[file:name = 'a']\nAND [file:size > true]")
	var perr *pattern.Error
	if errors.As(err, &perr) {
		fmt.Println(perr.Line, perr.Column)
	}
	fmt.Println(err)
	// Output:
	// 2 18
	// line 2, column 18: expected an orderable literal (not a boolean), found "true"
}

func ExampleClassify() {
	for _, v := range []string{"2001:DB8::1", "Example.COM.", "CEAD3F77F6CDA6EC00F57D76C9A6879F"} {
		o, ok := pattern.Classify(v)
		fmt.Println(o.Kind, o.Value, ok)
	}
	// Output:
	// ipv6 2001:db8::1 true
	// domain example.com true
	// md5 cead3f77f6cda6ec00f57d76c9a6879f true
}
