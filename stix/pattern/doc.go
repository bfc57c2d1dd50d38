// Package pattern implements the STIX 2.1 patterning language.
package pattern
