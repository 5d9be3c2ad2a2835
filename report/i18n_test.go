package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"voiplab/analyze"
)

// catalogueKeys reads the ids of one language: its page strings, and its
// finding texts (English: analyze.Templates; French: fr_findings.json).
func catalogueKeys(t *testing.T, lang string) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	files := []string{lang + ".json"}
	if lang == "fr" {
		files = append(files, "fr_findings.json")
	}
	for _, name := range files {
		b, err := localeFiles.ReadFile("locales/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, v := range m {
			if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
				t.Errorf("%s: %s is empty", name, k)
			}
			keys[k] = true
		}
	}
	if lang == "en" {
		for k := range analyze.Templates() {
			for _, part := range findingParts {
				keys["finding."+k+"."+part] = true
			}
		}
	}
	return keys
}

// TestCataloguesComplete fails when a message exists in one language only,
// including every finding key of analyze.Templates (a new finding in
// analyze needs its French text in locales/fr_findings.json).
func TestCataloguesComplete(t *testing.T) {
	en, fr := catalogueKeys(t, "en"), catalogueKeys(t, "fr")
	for k := range analyze.Templates() {
		if !fr["finding."+k+".message"] {
			t.Errorf("finding %s has no French text (locales/fr_findings.json)", k)
		}
	}
	for k := range en {
		if !fr[k] {
			t.Errorf("%s is in English only", k)
		}
	}
	for k := range fr {
		if !en[k] {
			t.Errorf("%s is in French only", k)
		}
	}
}

// TestFindingParamsSame: a French finding text uses exactly the {params}
// of the English one, so no value is lost or left as "{name}".
func TestFindingParamsSame(t *testing.T) {
	tr, err := newTranslator("fr")
	if err != nil {
		t.Fatal(err)
	}
	for key, en := range analyze.Templates() {
		for i, part := range findingParts {
			t.Run(key+"/"+part, func(t *testing.T) {
				fr := tr.T("finding."+key+"."+part, nil)
				if got, want := params(fr), params(en[i]); !slices.Equal(got, want) {
					t.Errorf("French uses %v, English %v", got, want)
				}
			})
		}
	}
}

func params(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestFindingInFrench renders findings from Key and Params, with the prose
// that analyze puts into parameters said in French too.
func TestFindingInFrench(t *testing.T) {
	tr, err := newTranslator("fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    analyze.Finding
		want []string
	}{
		{"busy", analyze.Finding{Key: "call-rejected.486", Params: map[string]string{"to": "sip:204@lab.local"}},
			[]string{"L'appelé sip:204@lab.local était occupé (486 Busy Here).", "Rien n'est en panne", "RFC 3261 §21.4.24"}},
		{"codec mismatch", analyze.Finding{Key: "codec-mismatch", Params: map[string]string{
			"offered": "G722", "answered": "accepts PCMU PCMA", "status": "488 Not Acceptable Here"}},
			[]string{"aucun codec en commun : l'appelant a proposé G722 ; l'appelé accepte PCMU PCMA. L'appelé a répondu 488 Not Acceptable Here."}},
		{"nat", analyze.Finding{Key: "nat-private-address", Params: map[string]string{
			"party": "The caller", "private": "192.168.1.50", "where": "SDP (c= line)", "public": "203.0.113.7"}},
			[]string{"L'appelant a annoncé l'adresse privée 192.168.1.50 dans son SDP (ligne c=), mais ses paquets venaient de 203.0.113.7"}},
		{"low mos", analyze.Finding{Key: "low-mos", Params: map[string]string{
			"stream": "s2", "src": "a", "dst": "b", "mos": "2.20", "r": "42.7", "rating": "not recommended"}},
			[]string{"MOS estimé de 2.20 (R = 42.7) : les utilisateurs jugeraient cet appel ainsi : déconseillé."}},
		{"auth", analyze.Finding{Key: "auth-failed", Params: map[string]string{
			"user": "user 202", "detail": "the server answered 403 Forbidden to the credentials; note that the authentication user 202 is not the user of the address sip:201@lab.local"}},
			[]string{"Les identifiants de l'utilisateur 202 ont été refusés : le serveur a répondu 403 Forbidden aux identifiants ; attention, l'utilisateur d'authentification 202 n'est pas l'utilisateur de l'adresse sip:201@lab.local."}},
		{"scanner", analyze.Finding{Key: "scanner", Params: map[string]string{"src": "192.0.2.200",
			"detail": `with the scanner User-Agent "friendly-scanner" and for 10 different extensions (OPTIONS, REGISTER), 0 of them answered with success`}},
			[]string{"192.0.2.200 a sondé le serveur avec le User-Agent de scanner « friendly-scanner » et pour 10 numéros internes différents (OPTIONS, REGISTER), dont 0 ont reçu une réponse positive"}},
		{"registration", analyze.Finding{Key: "registration-failed", Params: map[string]string{"aor": "sip:200@lab.local", "detail": "the registrar never answered (7 REGISTER sent)"}},
			[]string{"L'enregistrement de sip:200@lab.local a échoué : le registrar n'a jamais répondu (7 REGISTER envoyés)."}},
		{"no key keeps english", analyze.Finding{Message: "old message", Hint: "old hint", Reference: "RFC 1"},
			[]string{"old message", "old hint", "RFC 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, h, r := tr.Finding(tc.f)
			all := m + "\n" + h + "\n" + r
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("got\n%s\nwant %q", all, w)
				}
			}
		})
	}
}

// TestPlural: French counts 0 and 1 as singular (CLDR), English only 1.
func TestPlural(t *testing.T) {
	en, _ := newTranslator("en")
	fr, _ := newTranslator("fr")
	for _, tc := range []struct {
		tr   *translator
		n    int
		want string
	}{
		{en, 0, "0 calls"}, {en, 1, "1 call"}, {en, 2, "2 calls"},
		{fr, 0, "0 appel"}, {fr, 1, "1 appel"}, {fr, 2, "2 appels"},
	} {
		t.Run(tc.tr.lang+"/"+tc.want, func(t *testing.T) {
			if got := tc.tr.N("summary.calls", tc.n); got != tc.want {
				t.Errorf("N(summary.calls, %d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestUnknownLanguage(t *testing.T) {
	if _, err := newTranslator("de"); err == nil || !strings.Contains(err.Error(), "de") {
		t.Errorf("err = %v", err)
	}
}

// TestEChartsAsset: the embedded library is the npm package pinned in
// package.json (echarts 5.6.0) when node_modules is there (after npm ci),
// keeps its Apache licence header and cannot end our <script> early.
func TestEChartsAsset(t *testing.T) {
	if !strings.Contains(echartsJS[:2000], "Licensed to the Apache Software Foundation") {
		t.Error("echarts.min.js lost its licence header")
	}
	if strings.Contains(strings.ToLower(echartsJS), "</script") {
		t.Error("echarts.min.js contains </script")
	}
	npm := filepath.Join("..", "node_modules", "echarts", "dist", "echarts.min.js")
	b, err := os.ReadFile(npm)
	if err != nil {
		t.Skipf("no %s (run npm ci): %v", npm, err)
	}
	if string(b) != echartsJS {
		t.Errorf("report/assets/echarts.min.js differs from %s: run make assets", npm)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	pj, err := os.ReadFile(filepath.Join("..", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(pj, &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.Dependencies["echarts"] != "5.6.0" {
		t.Errorf("package.json pins echarts %q, want exactly 5.6.0", pkg.Dependencies["echarts"])
	}
}

// TestMalformedReasonsInFrench: every reason of a malformed-sip finding in
// the analysis goldens of the corpus (analyze/testdata/golden) is said in
// French, reason by reason, and the values it quotes are kept.
func TestMalformedReasonsInFrench(t *testing.T) {
	tr, err := newTranslator("fr")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("..", "analyze", "testdata", "golden", "*.json"))
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r analyze.Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, fd := range r.Findings {
			reason, ok := fd.Params["reason"]
			if fd.Code != analyze.CodeMalformedSIP || !ok {
				continue
			}
			seen++
			en := strings.Split(reason, "; ")
			frs := strings.Split(tr.params(map[string]string{"reason": reason})["reason"], "; ")
			if len(frs) != len(en) {
				t.Errorf("%s: %d reasons in English, %d in French: %q", filepath.Base(f), len(en), len(frs), frs)
				continue
			}
			for i := range en {
				if frs[i] == en[i] {
					t.Errorf("%s: reason left in English: %q", filepath.Base(f), en[i])
				}
			}
		}
	}
	if seen < 10 {
		t.Fatalf("%d malformed-sip findings in the goldens, want the corpus' (more than 10)", seen)
	}
	m, _, _ := tr.Finding(analyze.Finding{Key: "malformed-sip", Params: map[string]string{"frame": "7",
		"reason": `CSeq method INVTE does not match request method INVITE (RFC 3261 §8.1.1.5); Content-Length 300 but only 120 body octets (RFC 3261 §18.3)`}})
	want := "Le message SIP de la trame 7 est mal formé : la méthode INVTE du CSeq n'est pas la méthode INVITE de la requête (RFC 3261 §8.1.1.5); Content-Length 300 mais seulement 120 octets de corps (RFC 3261 §18.3)."
	if m != want {
		t.Errorf("got  %q\nwant %q", m, want)
	}
}
