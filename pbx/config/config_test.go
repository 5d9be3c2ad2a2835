package config_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiplab/pbx/config"
)

func TestDefaultConfigValid(t *testing.T) {
	c := config.DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Domain != "lab.local" || c.Listen.UDP != "0.0.0.0:5060" || c.Listen.TCP != "0.0.0.0:5060" {
		t.Errorf("default listen/domain: %+v", c)
	}
	if len(c.Extensions) != 10 || c.Extensions[0].Number != "200" || c.Extensions[9].Number != "209" {
		t.Errorf("default extensions: %+v", c.Extensions)
	}
	if c.Admin.Addr != "127.0.0.1:8089" || c.Registrar.MinExpires != 60 || c.Registrar.MaxExpires != 3600 ||
		c.DrainTime.D() != 10*time.Second {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLoadValid(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		c, err := config.Load("testdata/valid/full.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if c.Domain != "pbx.example.test" || c.Media.Relay != "always" || c.Media.Timeout.D() != 45*time.Second ||
			len(c.Extensions) != 2 || string(c.Extensions[0].Password) != "s3cret" || c.Extensions[0].Relay == nil ||
			!*c.Extensions[0].Relay || c.Extensions[1].Relay != nil || c.Trunks[0].Channels != 4 ||
			c.Security.DigestAlgorithms[0] != "SHA-256" || c.Registrar.DefaultExpires != 600 ||
			c.DrainTime.D() != 3*time.Second || c.Admin.Addr != "127.0.0.1:9000" {
			t.Errorf("loaded: %+v", c)
		}
		lo, hi, err := c.Media.PortRange()
		if lo != 10000 || hi != 20000 || err != nil {
			t.Errorf("PortRange = %d %d %v", lo, hi, err)
		}
	})
	t.Run("minimal keeps defaults", func(t *testing.T) {
		c, err := config.Load("testdata/valid/minimal.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if c.Domain != "lab.local" || len(c.Extensions) != 1 || c.Extensions[0].Number != "300" || c.Registrar.MinExpires != 60 {
			t.Errorf("loaded: %+v", c)
		}
	})
	t.Run("empty is the default", func(t *testing.T) {
		c, err := config.Load("testdata/valid/empty.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Extensions) != 10 {
			t.Errorf("extensions: %d", len(c.Extensions))
		}
	})
}

// TestLoadInvalid: each testdata/invalid file starts with "# want: <error>".
func TestLoadInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) < 10 {
		t.Fatalf("only %d invalid configs", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := bufio.NewReader(bytes.NewReader(b)).ReadLine()
			want, ok := strings.CutPrefix(string(first), "# want: ")
			if !ok {
				t.Fatal("no # want: line")
			}
			_, err = config.Load(f)
			if err == nil {
				t.Fatalf("no error, want %s", want)
			}
			if err.Error() != want {
				t.Errorf("error\n got: %s\nwant: %s", err, want)
			}
			if !errors.Is(err, config.ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	exts := []config.Extension{{Number: "200", Password: "p\"w"}, {Number: "201", Name: "Office", Password: "x", PIN: "1234"}}
	b := config.Template(exts)
	if !bytes.Contains(b, []byte("# ")) {
		t.Error("template has no comments")
	}
	c, err := config.Parse("pbx.yaml", b)
	if err == nil {
		t.Fatal("a password with a quote should be refused")
	}
	exts[0].Password = "pw200"
	c, err = config.Parse("pbx.yaml", config.Template(exts))
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	d := config.DefaultConfig()
	if len(c.Extensions) != 2 || string(c.Extensions[1].PIN) != "1234" || c.Extensions[1].Name != "Office" ||
		c.Extensions[0].Name != "Extension 200" || c.Domain != d.Domain || c.Media != d.Media ||
		c.Registrar != d.Registrar || c.Admin != d.Admin || c.DrainTime != d.DrainTime || len(c.Codecs) != 4 {
		t.Errorf("template read back: %+v", c)
	}
	if _, err := config.Parse("pbx.yaml", config.Template(nil)); err != nil {
		t.Errorf("no extensions: %v", err)
	}
}

func TestExtensionRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{{"200-203", "200,201,202,203"}, {"300", "300"}, {"209-200", ""}, {"x", ""}} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := config.ExtensionRange(tc.in)
			if strings.Join(got, ",") != tc.want || (err != nil) != (tc.want == "") {
				t.Errorf("ExtensionRange(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

func TestSecretRedacted(t *testing.T) {
	s := config.Secret("hunter2")
	if s.String() != "REDACTED" || s.LogValue().String() != "REDACTED" {
		t.Error("secret leaks")
	}
}

func FuzzParse(f *testing.F) {
	for _, g := range []string{"testdata/valid/full.yaml", "testdata/invalid/relay.yaml", "testdata/invalid/syntax.yaml"} {
		b, _ := os.ReadFile(g)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := config.Parse("f.yaml", b)
		if err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("Parse accepted what Validate refuses: %v", err)
			}
		}
	})
}
