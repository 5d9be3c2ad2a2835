package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"voiplab/analyze"
)

// The page's strings live in message catalogues, one per language
// (locales/en.json, locales/fr.json, and the French finding texts in
// locales/fr_findings.json; the English finding texts are analyze's own
// catalogue, analyze.Templates). go-i18n reads them and picks plural forms
// by the CLDR rules of each language (French "1 appel", "0 appel").
//
//go:embed locales/*.json
var localeFiles embed.FS

// Languages lists the languages a report can be written in.
func Languages() []string { return []string{"en", "fr"} }

// translator renders the strings of one language.
type translator struct {
	lang string
	loc  *i18n.Localizer
}

// newBundle loads every catalogue: the page strings of both languages, the
// English finding texts from analyze and the French ones from
// fr_findings.json.
func newBundle() (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, name := range []string{"en.json", "fr.json", "fr_findings.json"} {
		data, err := localeFiles.ReadFile("locales/" + name)
		if err != nil {
			return nil, fmt.Errorf("report: catalogue %s: %w", name, err)
		}
		if name == "fr_findings.json" {
			name = "fr.json" // go-i18n takes the language from the file name
		}
		if _, err := b.ParseMessageFileBytes(data, name); err != nil {
			return nil, fmt.Errorf("report: catalogue %s: %w", name, err)
		}
	}
	var msgs []*i18n.Message
	for key, t := range analyze.Templates() {
		for i, part := range findingParts {
			msgs = append(msgs, &i18n.Message{ID: "finding." + key + "." + part, Other: t[i]})
		}
	}
	if err := b.AddMessages(language.English, msgs...); err != nil {
		return nil, fmt.Errorf("report: english findings: %w", err)
	}
	return b, nil
}

// findingParts are the three texts of a finding template, in
// analyze.Templates order.
var findingParts = [3]string{"message", "hint", "reference"}

func newTranslator(lang string) (*translator, error) {
	if lang == "" {
		lang = "en"
	}
	if lang != "en" && lang != "fr" {
		return nil, fmt.Errorf("report: %w: %q (want en or fr)", ErrLanguage, lang)
	}
	b, err := newBundle()
	if err != nil {
		return nil, err
	}
	return &translator{lang: lang, loc: i18n.NewLocalizer(b, lang)}, nil
}

// T returns the message id filled with data. A missing message is a bug
// that TestCataloguesComplete catches; the page then shows the id.
func (t *translator) T(id string, data map[string]any) string {
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// N returns the plural message id for count n.
func (t *translator) N(id string, n int) string {
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": n}})
	if err != nil {
		return id
	}
	return s
}

// Finding returns the message, hint and reference of f in the page's
// language, expanded from its Key and Params with analyze.Expand (the same
// {param} expansion as analyze's English text). A finding without a key
// (from an older JSON) keeps its English text.
func (t *translator) Finding(f analyze.Finding) (message, hint, reference string) {
	if f.Key == "" {
		return f.Message, f.Hint, f.Reference
	}
	params := f.Params
	if t.lang != "en" {
		params = t.params(params)
	}
	var out [3]string
	for i, part := range findingParts {
		s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: "finding." + f.Key + "." + part})
		if err != nil {
			return f.Message, f.Hint, f.Reference
		}
		out[i] = analyze.Expand(s, params)
	}
	return out[0], out[1], out[2]
}

// paramPhrases are the English phrases analyze writes into finding
// parameters, and the message that says them in another language (an
// immutable lookup table). The captured parts (X, Y) are data (codec
// names, users, counts, a Warning header) and stay as they are. Every
// pattern is tried in order on the whole value; anchored ones replace it
// whole, the others replace a fragment (scanner details are joined).
var paramPhrases = []struct {
	re *regexp.Regexp
	id string
}{
	{regexp.MustCompile(`^answered with (.*)$`), "param.answered_with"},
	{regexp.MustCompile(`^accepts (.*)$`), "param.accepts"},
	{regexp.MustCompile(`^did not say which codecs it accepts$`), "param.no_codecs_said"},
	{regexp.MustCompile(`^explained: (.*)$`), "param.explained"},
	{regexp.MustCompile(`^The caller$`), "param.caller"},
	{regexp.MustCompile(`^The callee$`), "param.callee"},
	{regexp.MustCompile(`^SDP \(c= line\)$`), "param.sdp_c"},
	{regexp.MustCompile(`^Contact header$`), "param.contact"},
	{regexp.MustCompile(`^very satisfied$`), "param.rating.very_satisfied"},
	{regexp.MustCompile(`^satisfied$`), "param.rating.satisfied"},
	{regexp.MustCompile(`^some users dissatisfied$`), "param.rating.some"},
	{regexp.MustCompile(`^many users dissatisfied$`), "param.rating.many"},
	{regexp.MustCompile(`^nearly all users dissatisfied$`), "param.rating.nearly_all"},
	{regexp.MustCompile(`^not recommended$`), "param.rating.not_recommended"},
	{regexp.MustCompile(`^user (.+)$`), "param.user"},
	{regexp.MustCompile(`^users (.+)$`), "param.users"},
	{regexp.MustCompile(`^the server answered 403 Forbidden to the credentials`), "param.auth_403"},
	{regexp.MustCompile(`^the server challenged again (\d+) times after credentials were sent \(a challenge loop: wrong password or realm\)`), "param.auth_loop"},
	{regexp.MustCompile(`^the server challenged again after credentials were sent \(wrong password or realm\)`), "param.auth_again"},
	{regexp.MustCompile(`; note that the authentication user (\S+) is not the user of the address (\S+)$`), "param.auth_user_note"},
	{regexp.MustCompile(`^the registrar never answered \((\d+) REGISTER sent\)$`), "param.reg_no_answer"},
	{regexp.MustCompile(`^the registrar answered (.+) to the credentials$`), "param.reg_answered_credentials"},
	{regexp.MustCompile(`^the registrar answered (.+)$`), "param.reg_answered"},
	{regexp.MustCompile(`with the scanner User-Agent "([^"]*)" and `), "param.scanner_agent_and"},
	{regexp.MustCompile(`with the scanner User-Agent "([^"]*)"`), "param.scanner_agent"},
	{regexp.MustCompile(`for (\d+) different extensions \(([^)]*)\), (\d+) of them answered with success`), "param.scanner_extensions"},
	// The reasons of a malformed-sip finding (analyze/sipmsg: validate.go,
	// the start line checks in raw.go, sipgo's refusal of a header line);
	// sipgo's own error text stays English.
	{regexp.MustCompile(`SIP version (.+?) is not SIP/2\.0 \(RFC 3261 §7\.1\)`), "param.sip.version"},
	{regexp.MustCompile(`LF line endings \(RFC 3261 §7: lines end with CRLF\)`), "param.sip.lf"},
	{regexp.MustCompile(`header line without colon (.+?) \(RFC 3261 §7\.3\.1\)`), "param.sip.no_colon"},
	{regexp.MustCompile(`no empty line after the headers \(RFC 3261 §7\)`), "param.sip.no_empty_line"},
	{regexp.MustCompile(`missing (\S+) header \(RFC 3261 §8\.1\.1\)`), "param.sip.missing_header"},
	{regexp.MustCompile(`(\d+) (\S+) headers, one allowed \(RFC 3261 §7\.3\.1\)`), "param.sip.repeated_header"},
	{regexp.MustCompile(`CSeq number (.+?) is not an integer below 2\^31 \(RFC 3261 §8\.1\.1\.5\)`), "param.sip.cseq_number"},
	{regexp.MustCompile(`CSeq without method \(RFC 3261 §20\.16\)`), "param.sip.cseq_no_method"},
	{regexp.MustCompile(`CSeq method (.+?) does not match request method (.+?) \(RFC 3261 §8\.1\.1\.5\)`), "param.sip.cseq_method"},
	{regexp.MustCompile(`Content-Length (.+?) is not a non-negative integer \(RFC 3261 §20\.14\)`), "param.sip.content_length"},
	{regexp.MustCompile(`Content-Length (\d+) but only (\d+) body octets \(RFC 3261 §18\.3\)`), "param.sip.content_short"},
	{regexp.MustCompile(`Max-Forwards (.+?) is not an integer 0-255 \(RFC 3261 §20\.22\)`), "param.sip.max_forwards"},
	{regexp.MustCompile(`Date (.+?) is not in GMT \(RFC 3261 §20\.17\)`), "param.sip.date"},
	{regexp.MustCompile(`Request-URI carries headers after '\?' \(RFC 3261 §19\.1\.1\)`), "param.sip.ruri_headers"},
	{regexp.MustCompile(`IPv6 address not in \[ \] in the Request-URI \(RFC 3261 §25\.1\)`), "param.sip.ruri_ipv6"},
	{regexp.MustCompile(`IPv6 address not in \[ \] in Via sent-by \(RFC 3261 §25\.1\)`), "param.sip.via_ipv6"},
	{regexp.MustCompile(`IPv6 address not in \[ \] in (\S+) URI \(RFC 3261 §25\.1\)`), "param.sip.uri_ipv6"},
	{regexp.MustCompile(`empty parameter or list element in (\S+) \(RFC 3261 §25\.1\)`), "param.sip.empty_element"},
	{regexp.MustCompile(`(\S+) display name (.+?) has non-token characters and is not quoted \(RFC 3261 §25\.1\)`), "param.sip.display_name"},
	{regexp.MustCompile(`unterminated quoted string in (\S+) \(RFC 3261 §25\.1\)`), "param.sip.unterminated_quote"},
	{regexp.MustCompile(`(\S+) URI with '\?' not enclosed in < > \(RFC 3261 §20\.10\)`), "param.sip.uri_not_enclosed"},
	{regexp.MustCompile(`status line without a reason phrase \(RFC 3261 §7\.2\)`), "param.sip.status_no_reason"},
	{regexp.MustCompile(`status code (.+?) is not 3 digits \(RFC 3261 §7\.2\)`), "param.sip.status_digits"},
	{regexp.MustCompile(`status code (.+?) outside 100-699 \(RFC 3261 §7\.2\)`), "param.sip.status_range"},
	{regexp.MustCompile(`space inside the Request-URI \(RFC 3261 §7\.1\)`), "param.sip.ruri_space"},
	{regexp.MustCompile(`Request-URI enclosed in < > \(RFC 3261 §7\.1\)`), "param.sip.ruri_brackets"},
	{regexp.MustCompile(`request line without Request-URI or version \(RFC 3261 §7\.1\)`), "param.sip.request_line_short"},
	{regexp.MustCompile(`request line elements not separated by single SP \(RFC 3261 §7\.1\)`), "param.sip.request_line_spaces"},
	{regexp.MustCompile(`(^|; )(\S+) header: `), "param.sip.header_refused"},
	{regexp.MustCompile(`(^|; )sipgo: `), "param.sip.sipgo"},
}

// params translates the prose parts of finding parameters; data (addresses,
// codecs, numbers) is left alone.
func (t *translator) params(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		for _, p := range paramPhrases {
			v = p.re.ReplaceAllStringFunc(v, func(match string) string {
				m := p.re.FindStringSubmatch(match)
				data := map[string]any{}
				for i, name := range []string{"X", "Y", "Z"} {
					if i+1 < len(m) {
						data[name] = m[i+1]
					}
				}
				return t.T(p.id, data)
			})
		}
		out[k] = v
	}
	return out
}

// state translates a call or registration state; unknown states stay as
// they are.
func (t *translator) state(s string) string {
	if s == "" {
		return ""
	}
	if v := t.T("state."+s, nil); !strings.HasPrefix(v, "state.") {
		return v
	}
	return s
}
