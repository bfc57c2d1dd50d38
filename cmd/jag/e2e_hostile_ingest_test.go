package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// Issue 10, findings 5, 6 and 10, through the real `jag serve`.

// e2eSCOValue and e2eSCOID are an IPv4 observable and its deterministic
// STIX id (UUIDv5 of {"value":…} in the SCO namespace, STIX 2.1 §2.9).
const (
	e2eSCOValue = "198.51.100.77"
	e2eSCOID    = "ipv4-addr--efb3cb24-5b02-57b0-adb6-64563650dafa"
)

// scoOf returns org's unsigned copy of the observable e2eSCOValue; extra
// is appended to its members.
func scoOf(org, extra string) string {
	return `{"type":"ipv4-addr","spec_version":"2.1","id":"` + e2eSCOID + `","value":"` + e2eSCOValue +
		`","created_by_ref":"` + org + `"` + extra + `}`
}

// refusal is what a client observes of a refused submission: status,
// code, detail and every item.
type refusal struct {
	Status int
	Code   string
	Detail any
	Items  []map[string]any
}

func refusalOf(a answer) refusal {
	return refusal{Status: a.Status, Code: a.code(), Detail: a.Body["detail"], Items: a.items()}
}

// createdByOf returns the created_by_ref of a served object (raw JSON).
func createdByOf(t *testing.T, raw []byte) string {
	t.Helper()
	var o struct {
		CreatedBy string `json:"created_by_ref"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("served object %s: %v", raw, err)
	}
	return o.CreatedBy
}

// lookupCreators returns, sorted, the created_by of every match of a
// GET /v1/lookup for value.
func lookupCreators(t *testing.T, base, token, value string) []string {
	t.Helper()
	a := hubGet(t, base+"/v1/lookup?value="+url.QueryEscape(value), token)
	if a.Status != 200 {
		t.Fatalf("lookup %s: %d %s", value, a.Status, a.Raw)
	}
	var body struct {
		Matches []struct {
			ID        string `json:"id"`
			CreatedBy string `json:"created_by"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(a.Raw, &body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range body.Matches {
		out = append(out, m.ID+" "+m.CreatedBy)
	}
	slices.Sort(out)
	return out
}

// TestHostileNoExistenceOracle: no answer to a submission depends on
// objects the submitter cannot see. A version whose id exists only in
// another org's invisible objects is answered exactly like one whose id
// does not exist (finding 5), and identical observables of several orgs
// are all stored and each served under the visibility rule.
func TestHostileNoExistenceOracle(t *testing.T) {
	t.Parallel()
	A, B, C := e2eOrgA, e2eOrgB, e2eOrgC
	w := newWorld(t, pgtest.URL(t), A, B, C)
	p := startServe(t, w.dbURL)
	readA := w.token(A, auth.TierMember, auth.ScopeRead)
	readB := w.token(B, auth.TierMember, auth.ScopeRead)
	readC := w.token(C, auth.TierMember, auth.ScopeRead)
	const t1, t2 = "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"

	// A holds, at TLP:RED for C only, an indicator and the observable:
	// nothing B may see.
	hidden := w.id("indicator")
	w.submit(p.URL, A,
		w.sign(A, indicatorOf(A, hidden, t1, "[ipv4-addr:value = '"+e2eSCOValue+"']", marking(stix.TLPRedID)), C),
		w.sign(A, scoOf(A, marking(stix.TLPRedID)), C))
	if a := hubGet(t, p.URL+"/v1/objects/"+hidden, readB); a.Status != 404 {
		t.Fatalf("setup: B sees A's hidden indicator: %d", a.Status)
	}
	// B's own indicator, which B's probes contradict.
	mine := w.id("indicator")
	w.submit(p.URL, B, w.sign(B, indicatorOf(B, mine, t1, "[domain-name:value = 'mine.example']", "")))
	conflicting := w.sign(B, indicatorOf(B, mine, t1, "[domain-name:value = 'changed.example']", ""))
	before := w.counts()

	// probe is B's bundle holding its own version of id plus the
	// conflicting version of its own indicator.
	probe := func(id string) refusal {
		obj := w.sign(B, indicatorOf(B, id, t2, "[domain-name:value = 'probe.example']", ""))
		return refusalOf(w.postWith(p.URL, w.token(B, auth.TierMember, auth.ScopeSubmit), w.bundle(obj, conflicting)))
	}
	held, fresh := probe(hidden), probe(w.id("indicator"))
	if !reflect.DeepEqual(held, fresh) {
		t.Fatalf("the answer depends on A's invisible object:\n id held by A: %+v\n fresh id:     %+v", held, fresh)
	}
	if held.Status != 409 || held.Code != "conflict" || len(held.Items) != 1 || held.Items[0]["object"] != mine || held.Items[0]["pointer"] != "/objects/1" {
		t.Fatalf("probe answer = %+v, want 409 conflict on %s at /objects/1", held, mine)
	}
	// The SCO B cannot see, with a conflicting version: same again.
	scoProbe := refusalOf(w.postWith(p.URL, w.token(B, auth.TierMember, auth.ScopeSubmit), w.bundle(w.sign(B, scoOf(B, "")), conflicting)))
	if scoProbe.Status != 409 || !reflect.DeepEqual(scoProbe.Items, held.Items) {
		t.Fatalf("SCO probe answer = %+v, want the same conflict as %+v", scoProbe, held)
	}
	if got := w.counts(); got != before {
		t.Fatalf("refused probes wrote rows: %+v, want %+v", got, before)
	}

	// Without the conflict, B's version of the id A holds is stored as
	// B's own, exactly like a fresh id, and A's object is untouched.
	w.submit(p.URL, B, w.sign(B, indicatorOf(B, hidden, t2, "[domain-name:value = 'probe.example']", marking(stix.TLPGreenID))))
	for _, tc := range []struct {
		token, want string
	}{{readA, A}, {readB, B}, {readC, A}} {
		a := hubGet(t, p.URL+"/v1/objects/"+hidden, tc.token)
		if a.Status != 200 || createdByOf(t, a.Raw) != tc.want {
			t.Fatalf("GET %s: %d %s, want the copy of %s", hidden, a.Status, a.Raw, tc.want)
		}
	}
	// C sees both lineages among the versions, each with its creator.
	a := hubGet(t, p.URL+"/v1/objects/"+hidden+"?version=all", readC)
	var all struct{ Objects []json.RawMessage }
	if err := json.Unmarshal(a.Raw, &all); err != nil || a.Status != 200 || len(all.Objects) != 2 {
		t.Fatalf("versions for C: %d %s", a.Status, a.Raw)
	}
	a = hubGet(t, p.URL+"/v1/objects/"+hidden+"?version=all", readB)
	if err := json.Unmarshal(a.Raw, &all); err != nil || a.Status != 200 || len(all.Objects) != 1 || createdByOf(t, all.Objects[0]) != B {
		t.Fatalf("versions for B: %d %s", a.Status, a.Raw)
	}

	// Identical observables: every org's copy is stored.
	w.submit(p.URL, B, w.sign(B, scoOf(B, marking(stix.TLPGreenID))))
	w.submit(p.URL, C, w.sign(C, scoOf(C, marking(stix.TLPAmberID))))
	var copies int
	if err := w.db.SQLX().Get(&copies, `SELECT count(DISTINCT created_by) FROM objects WHERE id = $1`, e2eSCOID); err != nil || copies != 3 {
		t.Fatalf("copies of %s = %d (%v), want 3", e2eSCOID, copies, err)
	}
	// Each org's copy is served under the visibility rule: B never
	// meets A's (TLP:RED for C), C meets all three.
	if got, want := lookupCreators(t, p.URL, readB, e2eSCOValue), []string{e2eSCOID + " " + B, e2eSCOID + " " + C}; !reflect.DeepEqual(got, want) {
		t.Fatalf("lookup for B = %v, want %v", got, want)
	}
	want := []string{e2eSCOID + " " + A, e2eSCOID + " " + B, e2eSCOID + " " + C, hidden + " " + A}
	slices.Sort(want)
	if got := lookupCreators(t, p.URL, readC, e2eSCOValue); !reflect.DeepEqual(got, want) {
		t.Fatalf("lookup for C = %v, want %v", got, want)
	}
	for _, tc := range []struct{ token, signer string }{{readB, B}, {readC, A}, {readA, A}} {
		a := hubGet(t, p.URL+"/v1/objects/"+e2eSCOID+"/provenance", tc.token)
		signer, _ := a.Body["signer"].(map[string]any)
		if a.Status != 200 || signer["id"] != tc.signer {
			t.Fatalf("provenance of %s: %d %s, want signer %s", e2eSCOID, a.Status, a.Raw, tc.signer)
		}
	}
	// Search pages walk every copy C may see, one per page.
	var paged []string
	for next := ""; ; {
		a := hubGet(t, p.URL+"/v1/objects?type=ipv4-addr&limit=1"+next, readC)
		var page struct {
			Objects []json.RawMessage
			Next    string
		}
		if err := json.Unmarshal(a.Raw, &page); err != nil || a.Status != 200 || len(paged) > 3 {
			t.Fatalf("search page %d: %d %s", len(paged), a.Status, a.Raw)
		}
		for _, o := range page.Objects {
			paged = append(paged, createdByOf(t, o))
		}
		if page.Next == "" {
			break
		}
		next = "&next=" + url.QueryEscape(page.Next)
	}
	if want := []string{A, B, C}; !reflect.DeepEqual(paged, want) {
		t.Fatalf("search pages for C = %v, want %v", paged, want)
	}
	a = hubGet(t, p.URL+"/v1/objects?type=ipv4-addr&created_by="+C, readC)
	if a.Status != 200 || !strings.Contains(string(a.Raw), `"created_by_ref":"`+C+`"`) || strings.Contains(string(a.Raw), `"created_by_ref":"`+A+`"`) {
		t.Fatalf("search of C's copy: %d %s", a.Status, a.Raw)
	}
}

// postWith posts a bundle with the given token.
func (w *world) postWith(base, token, bundle string) answer {
	w.t.Helper()
	a, err := send(http.MethodPost, base+"/v1/bundles", token, stixContentType, []byte(bundle))
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// TestHostileIdentitySquatting: a participant cannot publish another
// registered participant's identity, the hub's identity or the signature
// extension's definition (finding 6); the real owner still can.
func TestHostileIdentitySquatting(t *testing.T) {
	t.Parallel()
	A, B := e2eOrgA, e2eOrgB
	w := newWorld(t, pgtest.URL(t), A, B)
	p := startServe(t, w.dbURL)
	submitB := w.token(B, auth.TierMember, auth.ScopeSubmit)
	identity := func(org, id, name string) string {
		return w.sign(org, `{"type":"identity","spec_version":"2.1","id":"`+id+`","created":"2026-01-01T00:00:00.000Z",`+
			`"modified":"2026-01-01T00:00:00.000Z","created_by_ref":"`+org+`","name":"`+name+`","identity_class":"organization"}`)
	}
	extension := func(id string) string {
		return w.sign(B, `{"type":"extension-definition","spec_version":"2.1","id":"`+id+`",`+
			`"created_by_ref":"`+B+`","created":"2026-01-01T00:00:00.000Z","modified":"2027-01-01T00:00:00.000Z",`+
			`"name":"forged","version":"9.9.9","extension_types":["property-extension"],"schema":"forged"}`)
	}
	before := w.counts()
	for _, tc := range []struct{ name, obj, id string }{
		{"another participant's identity", identity(B, A, "Forged A"), A},
		{"the hub's identity", identity(B, hub.HubIdentity, "Forged hub"), hub.HubIdentity},
		{"the signature extension's definition", extension(auth.ExtensionID), auth.ExtensionID},
		{"the TLP 2.0 extension's definition", extension(stix.TLP2ExtensionID), stix.TLP2ExtensionID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := w.postWith(p.URL, submitB, w.bundle(w.signedIndicator(B, "squat.example"), tc.obj))
			items := a.items()
			if a.Status != 403 || a.code() != "forbidden" || len(items) != 1 || items[0]["object"] != tc.id || items[0]["pointer"] != "/objects/1/id" {
				t.Fatalf("squatting %s = %d %s, want 403 forbidden at /objects/1/id", tc.id, a.Status, a.Raw)
			}
		})
	}
	if got := w.counts(); got != before {
		t.Fatalf("refused squats wrote rows: %+v, want %+v", got, before)
	}
	// The owner publishes its identity; everyone reads the owner's.
	w.submit(p.URL, A, identity(A, A, "CERT A"))
	for _, tok := range []string{w.token(A, auth.TierMember, auth.ScopeRead), w.token(B, auth.TierMember, auth.ScopeRead)} {
		a := hubGet(t, p.URL+"/v1/objects/"+A, tok)
		if a.Status != 200 || createdByOf(t, a.Raw) != A || !strings.Contains(string(a.Raw), `"name":"CERT A"`) {
			t.Fatalf("GET %s = %d %s", A, a.Status, a.Raw)
		}
	}
	// The extension definition is the hub's.
	a := hubGet(t, p.URL+"/v1/objects/"+auth.ExtensionID+"/provenance", w.token(B, auth.TierMember, auth.ScopeRead))
	if a.Status != 404 {
		t.Fatalf("provenance of the extension definition = %d %s, want 404 (the hub publishes it unsigned)", a.Status, a.Raw)
	}
	// An identity that names no participant is an ordinary object ...
	later := "identity--e2e0000d-0000-4000-8000-00000000000d"
	w.submit(p.URL, B, identity(B, later, "Squatted early"))
	// ... until that participant registers and publishes its own: then
	// its own lineage is the one GET answers.
	registerParticipant(t, w, later)
	w.submit(p.URL, later, identity(later, later, "The real D"))
	a = hubGet(t, p.URL+"/v1/objects/"+later, w.token(A, auth.TierMember, auth.ScopeRead))
	if a.Status != 200 || createdByOf(t, a.Raw) != later {
		t.Fatalf("GET %s = %d %s, want the participant's own identity", later, a.Status, a.Raw)
	}
	if a := w.postWith(p.URL, submitB, w.bundle(identity(B, later, "Squat again"))); a.Status != 403 {
		t.Fatalf("squatting a participant registered since = %d %s", a.Status, a.Raw)
	}
}

// registerParticipant registers org with one EdDSA key in w.
func registerParticipant(t *testing.T, w *world, org string) {
	t.Helper()
	ctx := context.Background()
	pt, err := auth.NewParticipant(org, "CERT "+org[10:18], "LU", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.CreateParticipant(ctx, pt); err != nil {
		t.Fatal(err)
	}
	priv, err := auth.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewKey(org, priv.Public(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.AddKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	w.keys[org] = priv
}

// TestHostileReceiptTiers: a receipt names every version of its bundle,
// so only principals of the submitting org that may see all of them get
// it (finding 10): GET /v1/submissions/{id} is 404 otherwise, exactly like
// a missing submission, and provenance carries no receipt.
func TestHostileReceiptTiers(t *testing.T) {
	t.Parallel()
	A, B := e2eOrgA, e2eOrgB
	w := newWorld(t, pgtest.URL(t), A, B)
	p := startServe(t, w.dbURL)
	member := w.token(A, auth.TierMember, auth.ScopeRead)
	client := w.token(A, auth.TierClient, auth.ScopeRead)
	community := w.token(A, auth.TierCommunity, auth.ScopeRead)
	submitA := w.token(A, auth.TierMember, auth.ScopeSubmit)

	submit := func(objs ...string) string {
		t.Helper()
		a := w.postWith(p.URL, submitA, w.bundle(objs...))
		id, _ := a.Body["submission"].(string)
		if a.Status != 201 || id == "" {
			t.Fatalf("submit: %d %s", a.Status, a.Raw)
		}
		return id
	}
	green := w.id("indicator")
	greenObj := w.sign(A, indicatorOf(A, green, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'green.example']", marking(stix.TLPGreenID)))
	red := w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'red.example']", marking(stix.TLPRedID)), B)
	amber := w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'amber.example']", marking(stix.TLPAmberID)))
	mixed := submit(greenObj, red)
	greenOnly := submit(w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'green2.example']", marking(stix.TLPGreenID))))
	amberOnly := submit(amber)

	missing := refusalOf(hubGet(t, p.URL+"/v1/submissions/submission--00000000-0000-4000-8000-000000000000", client))
	if missing.Status != 404 {
		t.Fatalf("missing submission = %+v", missing)
	}
	for _, tc := range []struct {
		name, token, id string
		served          bool
	}{
		{"member, mixed", member, mixed, true},
		{"client, mixed (a TLP:RED version)", client, mixed, false},
		{"community, mixed", community, mixed, false},
		{"client, green", client, greenOnly, true},
		{"community, green", community, greenOnly, true},
		{"client, amber", client, amberOnly, true},
		{"community, amber", community, amberOnly, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := hubGet(t, p.URL+"/v1/submissions/"+tc.id, tc.token)
			if tc.served {
				if a.Status != 200 || a.Body["receipt"] == nil {
					t.Fatalf("GET submission = %d %s, want the receipt", a.Status, a.Raw)
				}
				return
			}
			if got := refusalOf(a); !reflect.DeepEqual(got, missing) {
				t.Fatalf("GET submission = %+v, want exactly the missing answer %+v", got, missing)
			}
		})
	}
	// Provenance of the GREEN version of the mixed bundle.
	for _, tc := range []struct {
		name, token string
		receipt     bool
	}{{"member", member, true}, {"client", client, false}, {"community", community, false}} {
		a := hubGet(t, p.URL+"/v1/objects/"+green+"/provenance", tc.token)
		sub, _ := a.Body["submission"].(map[string]any)
		_, has := sub["receipt"]
		if a.Status != 200 || sub["id"] != mixed || has != tc.receipt {
			t.Fatalf("provenance for %s = %d %s, want receipt %v", tc.name, a.Status, a.Raw, tc.receipt)
		}
	}
}
