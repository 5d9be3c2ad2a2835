package pbx_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiplab/capture"
	"voiplab/pbx"
	"voiplab/pbx/pbxtest"
)

// selfSigned writes a throw-away certificate for 127.0.0.1.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lab.local"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"lab.local"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestTLSOptions(t *testing.T) {
	cfg := testConfig()
	cfg.Listen.TLS.Cert, cfg.Listen.TLS.Key = selfSigned(t)
	cfg.Listen.TLS.Addr = "127.0.0.1:0"
	r := pbxtest.Start(t, cfg)
	a := r.Server.Addrs().TLS
	if !a.IsValid() {
		t.Fatal("no TLS address")
	}
	c, err := tls.Dial("tcp", a.String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	msg := "OPTIONS sip:" + a.String() + ";transport=tls SIP/2.0\r\n" +
		"Via: SIP/2.0/TLS " + local + ";branch=z9hG4bKtls1\r\n" +
		"From: <sip:probe@lab.local>;tag=1\r\nTo: <sip:" + a.String() + ">\r\n" +
		"Call-ID: tls-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Errorf("TLS OPTIONS answer %q, %v", line, err)
	}
}

func TestTapRecordsSIP(t *testing.T) {
	var buf bytes.Buffer
	w, err := capture.NewWriter(&buf, capture.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tap := capture.NewTap(w)
	r := pbxtest.Start(t, testConfig(), pbx.WithTap(tap))
	p := newPhone(t, r, false)
	if res := p.registerOK("200", []string{"<sip:200@127.0.0.1:6300>"}, ""); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	q := newPhone(t, r, true)
	q.registerOK("201", []string{"<sip:201@127.0.0.1:6301;transport=tcp>"}, "")
	// UDP: REGISTER, 401, REGISTER, 200; TCP: the same four in a stream
	if n := tap.Count(); n < 8 {
		t.Errorf("tap recorded %d datagrams, want at least 8", n)
	}
	if err := tap.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("REGISTER sip:")) || !bytes.Contains(buf.Bytes(), []byte("SIP/2.0 401 Unauthorized")) {
		t.Error("the capture lacks the REGISTER exchange")
	}
}
