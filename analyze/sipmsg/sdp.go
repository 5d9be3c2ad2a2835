package sipmsg

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// maxParts bounds the multipart parts examined (fuzzed input).
const maxParts = 16

// extractSDP returns the SDP in body: the body itself for application/sdp,
// the first application/sdp part of a multipart body (RFC 5621, RFC 2046
// §5.1), or nil.
func extractSDP(contentType string, body []byte) []byte {
	if len(body) == 0 || contentType == "" {
		return nil
	}
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = strings.TrimSpace(mt)
	if strings.EqualFold(mt, "application/sdp") {
		return body
	}
	if len(mt) < 10 || !strings.EqualFold(mt[:10], "multipart/") {
		return nil
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for range maxParts {
		part, err := mr.NextRawPart()
		if err != nil {
			return nil
		}
		pt := part.Header.Get("Content-Type")
		if i := strings.IndexByte(pt, ';'); i >= 0 {
			pt = pt[:i]
		}
		if strings.EqualFold(strings.TrimSpace(pt), "application/sdp") {
			sdp, err := io.ReadAll(io.LimitReader(part, int64(len(body))))
			if err != nil || len(sdp) == 0 {
				return nil
			}
			return sdp
		}
	}
	return nil
}
